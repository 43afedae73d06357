"""``schedules.yaml``: when the robot runs, for whom, and how.

Named schedules with a five-field cron expression in a time zone (Europe/Copenhagen unless the
file or the schedule says otherwise). Loading validates everything APScheduler will later need,
so a typo in a cron field is a ``check-config`` error with file and line, not a crash at 06:00::

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> schedules = load_schedules(Path("schedules.yaml"))
    >>> [(s.name, s.cron, s.timezone) for s in schedules.schedules]
    [('morning', '0 6 * * *', 'Europe/Copenhagen'), ('afternoon', '0 14 * * *', 'Europe/Copenhagen')]
    >>> now = datetime(2026, 3, 2, 7, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))  # a Monday, after 06:00
    >>> schedules.get("morning").trigger(schedules.timezone).get_next_fire_time(None, now)
    datetime.datetime(2026, 3, 3, 6, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Copenhagen'))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from robot.configuration.yamlconf import Loc, load_yaml_model

DEFAULT_TIMEZONE = "Europe/Copenhagen"
DEFAULT_GRACE = 6 * 3600


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as {DEFAULT_TIMEZONE}") from None
    return name


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _crontab_days(field: str) -> str:
    """Crontab day-of-week (0 or 7 = Sunday, 1 = Monday) as names, which APScheduler 3 reads alike.

    APScheduler 3 numbers days from Monday = 0, so ``1-5`` would silently mean Tuesday-Saturday.
    """
    out: list[str] = []
    for part in field.split(","):
        if "/" in part:
            raise ValueError(
                f"day-of-week step {part!r} is not supported; list the days (e.g. 'mon,wed,fri')"
            )
        lo, _, hi = part.partition("-")
        if not (lo.isdigit() and (not hi or hi.isdigit())):
            out.append(part)  # '*' or names
            continue
        a, b = int(lo), int(hi or lo)
        if not (0 <= a <= 7 and 0 <= b <= 7 and a <= b):
            raise ValueError(f"day-of-week {part!r} must be 0-7 (0 and 7 are Sunday), low to high")
        if a == 0 and b > 0:  # Sunday first: APScheduler ranges run Monday..Sunday
            out.append("sun")
            a = 1
        out.append(_DAYS[a] if a == b else f"{_DAYS[a]}-{_DAYS[b]}")
    return ",".join(out)


class LocalCronTrigger(CronTrigger):  # type: ignore[misc]
    """A cron trigger that fires once per local wall-clock time.

    APScheduler 3's ``CronTrigger`` fires twice when autumn repeats an hour (02:30 CEST, then
    02:30 CET); a schedule at 02:30 should run once that night.
    """

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        nxt: datetime | None = super().get_next_fire_time(previous, now)
        if nxt is not None and previous is not None:
            before = previous.astimezone(self.timezone).replace(tzinfo=None)
            if nxt.replace(tzinfo=None) == before:
                nxt = super().get_next_fire_time(nxt, nxt.astimezone(UTC) + timedelta(seconds=1))
        return nxt


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A standard five-field crontab expression as an APScheduler 3 trigger in ``timezone``.

    >>> str(cron_trigger("0 6 * * 1-5", "Europe/Copenhagen"))
    "cron[month='*', day='*', day_of_week='mon-fri', hour='6', minute='0']"
    """
    minute, hour, day, month, dow = expression.split()
    return LocalCronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_days(dow),
        timezone=ZoneInfo(timezone),
    )


class Schedule(BaseModel):
    """One named run: ``{name: morning, cron: "0 6 * * 1-5", customers: [SFE], dry_run: false}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    cron: str
    timezone: str | None = None  # None: the file's time zone
    customers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    dry_run: bool = False
    workers: int = Field(default=1, ge=1, le=64)
    misfire_grace_seconds: int | None = Field(default=None, ge=1)
    enabled: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else _zone(value)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise ValueError(
                f"cron {value!r} has {len(fields)} fields; expected 5: minute hour day-of-month month "
                "day-of-week (e.g. '0 6 * * 1-5')"
            )
        try:
            cron_trigger(value, DEFAULT_TIMEZONE)
        except ValueError as exc:
            raise ValueError(f"cron {value!r}: {exc}") from None
        return value

    def trigger(self, default_timezone: str = DEFAULT_TIMEZONE) -> CronTrigger:
        """The APScheduler trigger: the cron expression read in the schedule's local time."""
        return cron_trigger(self.cron, self.timezone or default_timezone)


class Schedules(BaseModel):
    """The whole file: defaults, then the list of schedules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = DEFAULT_TIMEZONE
    misfire_grace_seconds: int = Field(default=DEFAULT_GRACE, ge=1)
    schedules: tuple[Schedule, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _zone(value)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Schedules:
        filled = tuple(
            s.model_copy(
                update={
                    "timezone": s.timezone or self.timezone,
                    "misfire_grace_seconds": s.misfire_grace_seconds or self.misfire_grace_seconds,
                }
            )
            for s in self.schedules
        )
        object.__setattr__(self, "schedules", filled)
        return self

    def get(self, name: str) -> Schedule:
        for s in self.schedules:
            if s.name == name:
                return s
        raise KeyError(f"no schedule named {name!r}; known: {', '.join(s.name for s in self.schedules)}")

    def active(self) -> tuple[Schedule, ...]:
        return tuple(s for s in self.schedules if s.enabled)


def _unique_names(model: Schedules) -> Iterable[tuple[Loc, str]]:
    seen: set[str] = set()
    for i, s in enumerate(model.schedules):
        if s.name in seen:
            yield ("schedules", i, "name"), f"schedule name {s.name!r} is used twice; names must be unique"
        seen.add(s.name)


def load_schedules(path: Path) -> Schedules:
    """Read and validate ``schedules.yaml``; raises :class:`robot.errors.ConfigError` with file:line."""
    return load_yaml_model(path, Schedules, checks=[_unique_names])
