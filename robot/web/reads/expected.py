"""Did the scheduled runs happen: yesterday's and today's fire times of each schedule, each with the
run that answered it (on time or late, its status), and when each schedule runs next.

The fire times come from ``schedules.yaml`` through the scheduler's own triggers
(:meth:`robot.scheduling.schedules.Schedule.trigger`, the same cron reading, time zones and
summer-time rules the scheduler fires by). A run belongs to a fire time when its trigger is
``schedule:NAME`` (robot.scheduling.scheduler.runner) and it started between that fire time and the
schedule's next one; it was on time when it started within the schedule's misfire grace (the
scheduler does not start it later than that). A fire time without a run is ``waiting`` while the
grace lasts and the next fire time has not come, then ``missed``; one still to come is ``upcoming``.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from robot.configuration.settings import LoadedConfig
from robot.errors import ConfigError
from robot.scheduling.schedules import Schedule, Schedules, load_schedules
from robot.store.repo import Store
from robot.store.runs import shown_status
from robot.store.schema import Run
from robot.web.reads.runs import SCHEDULE_PREFIX

ZONE = ZoneInfo("Europe/Copenhagen")
#: a run may start this much before its fire time and still be its run (clocks of two machines)
EARLY = timedelta(minutes=1)
#: fire times shown per schedule before and after now at most (every minute would be 2,880 a day)
FIRES_SHOWN = 48
#: fire times looked at per schedule at most (two days of a schedule every minute)
FIRES_READ = 2 * 24 * 60 + 1
#: at most this many scheduled runs are read for the two days (bounded however often they fire)
RUNS_READ = 2000


@dataclass(frozen=True, slots=True)
class ExpectedRun:
    """One fire time of a schedule and what became of it."""

    schedule: str
    due_at: datetime
    day: date  # the fire time's day in Europe/Copenhagen
    status: str  # ok | partial | failed | running | abandoned | missed | waiting | upcoming
    run_id: int | None = None
    started_at: datetime | None = None
    on_time: bool | None = None  # None: no run
    late_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class NextFire:
    schedule: str
    cron: str
    timezone: str
    at: datetime | None  # None: the cron never fires again, or the schedule is disabled
    enabled: bool
    dry_run: bool


def schedules_of(config: LoadedConfig | None) -> tuple[Schedules | None, str | None]:
    """The configuration's ``schedules.yaml`` (None if none is configured) or why it is unreadable."""
    file = None if config is None else config.file(config.cfg.schedules)
    if file is None:
        return None, None
    try:
        return load_schedules(file), None
    except ConfigError as exc:
        return None, str(exc)


def fire_times(
    schedule: Schedule, default_zone: str, start: datetime, end: datetime, now: datetime
) -> list[datetime]:
    """The schedule's fire times from ``start`` (inclusive) to ``end`` (exclusive), by its trigger:
    of a schedule that fires often, the latest :data:`FIRES_SHOWN` before ``now`` and the first
    :data:`FIRES_SHOWN` after it (a contiguous run of fire times)."""
    trigger = schedule.trigger(default_zone)
    past: deque[datetime] = deque(maxlen=FIRES_SHOWN)
    coming: list[datetime] = []
    at: datetime | None = trigger.get_next_fire_time(None, start)
    for _ in range(FIRES_READ):
        if at is None or at >= end or len(coming) >= FIRES_SHOWN:
            break
        (past if at <= now else coming).append(at)
        at = trigger.get_next_fire_time(at, at)
    return [*past, *coming]


def expected_runs(store: Store, schedules: Schedules, now: datetime) -> list[ExpectedRun]:
    """Yesterday's and today's fire times (Europe/Copenhagen days) of the enabled schedules, each
    with the run that answered it, in time order."""
    today = now.astimezone(ZONE).date()
    start = datetime.combine(today - timedelta(days=1), time(0), ZONE)
    end = datetime.combine(today + timedelta(days=1), time(0), ZONE)
    active = schedules.active()
    if not active:
        return []
    runs = _scheduled_runs(store, [s.name for s in active], start - EARLY)
    found: list[ExpectedRun] = []
    for s in active:
        fires = fire_times(s, schedules.timezone, start, end, now)
        after_last = s.trigger(schedules.timezone).get_next_fire_time(fires[-1], fires[-1]) if fires else None
        grace = timedelta(seconds=s.misfire_grace_seconds or schedules.misfire_grace_seconds)
        mine = runs.get(s.name, [])
        for i, due in enumerate(fires):
            following = fires[i + 1] if i + 1 < len(fires) else after_last
            found.append(_answer(s.name, due, following, grace, mine, now))
    return sorted(found, key=lambda e: (e.due_at, e.schedule))


def _answer(
    name: str, due: datetime, following: datetime | None, grace: timedelta, runs: list[Run], now: datetime
) -> ExpectedRun:
    day = due.astimezone(ZONE).date()
    window_end = following - EARLY if following is not None else None
    for run in runs:  # oldest first: the first run in the window answered this fire time
        if run.started_at < due - EARLY or (window_end is not None and run.started_at >= window_end):
            continue
        late = max(0.0, (run.started_at - due).total_seconds())
        return ExpectedRun(
            name,
            due,
            day,
            shown_status(run, now),
            run.id,
            run.started_at,
            late <= grace.total_seconds(),
            late,
        )
    if due > now:
        status = "upcoming"
    elif now <= due + grace and (following is None or following > now):
        status = "waiting"
    else:
        status = "missed"
    return ExpectedRun(name, due, day, status)


def _scheduled_runs(store: Store, names: list[str], since: datetime) -> dict[str, list[Run]]:
    """The runs started by these schedules since ``since``, per schedule, oldest first."""
    query = (
        select(Run)
        .where(Run.trigger.in_([SCHEDULE_PREFIX + n for n in names]), Run.started_at >= since)
        .order_by(Run.started_at, Run.id)
        .limit(RUNS_READ)
    )
    by_name: dict[str, list[Run]] = defaultdict(list)
    with store.sessions() as s:
        for run in s.scalars(query):
            by_name[run.trigger[len(SCHEDULE_PREFIX) :]].append(run)
    return by_name


def next_fires(schedules: Schedules, now: datetime) -> list[NextFire]:
    """When each schedule runs next (None for a disabled one), soonest first."""
    found = []
    for s in schedules.schedules:
        at = s.trigger(schedules.timezone).get_next_fire_time(None, now) if s.enabled else None
        found.append(NextFire(s.name, s.cron, s.timezone or schedules.timezone, at, s.enabled, s.dry_run))
    far = datetime.max.replace(tzinfo=ZONE)
    return sorted(found, key=lambda f: (f.at or far, f.schedule))
