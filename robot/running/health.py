"""The monitoring check behind ``fakturarobot health``: one Nagios/Icinga plugin line.

Read-only: it looks at the runs, the hold queue and the outbox of an existing store and judges
them against the configuration's ``health:`` thresholds (:class:`robot.configuration.settings.HealthSettings`,
"above this value"). The state is the worst of:

- no run recorded (dry runs do not count), or none that finished ``ok`` or ``partial``: CRITICAL;
- the last run ``failed`` or ``abandoned`` (its process died: robot.store.runs): CRITICAL;
  ``partial``: WARNING; ``running`` with a fresh heartbeat: OK;
- hours since the last run that finished ``ok`` or ``partial`` (``last_success_hours``, default
  CRITICAL above 18: the default runs at 06:00 and 14:00 leave 16 hours overnight);
- the last finished run's exception rate (``exception_rate``, default CRITICAL above 0.5);
- held invoices, overdue holds (default WARNING above 0), pending notices (default WARNING above
  0) and notices refused for good.

The line follows the Monitoring Plugins development guidelines (``TEXT | 'label'=value[UOM];
[warn];[crit];[min];[max] ...``; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)::

    >>> Metric("last_success_age", 7200, "s", None, 64800, 0).perfdata()
    'last_success_age=7200s;;64800;0'
    >>> Metric("exception_rate", None, "%", None, 50, 0, 100).perfdata()
    'exception_rate=U%;;50;0;100'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from robot.configuration.settings import HealthSettings, Threshold
from robot.store.runs import FINISHED, shown_status

if TYPE_CHECKING:
    from robot.store.repo import Store
    from robot.store.schema import Run

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
SERVICE = "FAKTURAROBOT"
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f|\u2028\u2029]+")  # controls, and '|' (starts perfdata)


@dataclass(frozen=True, slots=True)
class Metric:
    """One performance datum; ``value`` None is printed ``U`` (could not be determined)."""

    label: str
    value: float | None
    uom: str = ""
    warn: float | None = None
    crit: float | None = None
    min: float | None = None
    max: float | None = None

    def perfdata(self) -> str:
        value = "U" if self.value is None else _num(self.value)
        fields = [f"{value}{self.uom}", *(_num(x) for x in (self.warn, self.crit, self.min, self.max))]
        return f"{self.label}=" + ";".join(fields).rstrip(";")


@dataclass(slots=True)
class Health:
    state: int = OK
    problems: list[tuple[int, str]] = field(default_factory=list)  # (state, text), worst first on output
    facts: list[str] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)

    def flag(self, state: int, text: str) -> None:
        self.state = max(self.state, state) if self.state != UNKNOWN else UNKNOWN
        self.problems.append((state, text))

    def line(self) -> str:
        """``FAKTURAROBOT <STATE> - <problems, then facts> | <perfdata>``."""
        worst_first = [text for _, text in sorted(self.problems, key=lambda p: -p[0])]
        text = "; ".join(plain(t) for t in [*worst_first, *self.facts]) or "no data"
        perf = " ".join(m.perfdata() for m in self.metrics)
        return f"{SERVICE} {STATE_NAMES[self.state]} - {text}" + (f" | {perf}" if perf else "")


def unknown(reason: str) -> Health:
    """The check itself could not be done (no store, a bad configuration): UNKNOWN."""
    return Health(state=UNKNOWN, problems=[(UNKNOWN, reason)])


def plain(text: str, limit: int = 200) -> str:
    """Outside text (a run's recorded problems) on one line, without ``|``, at most ``limit`` chars."""
    text = _NOT_TEXT.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evaluate(store: Store, settings: HealthSettings, now: datetime) -> Health:
    from robot.store.outbox import Outbox

    health = Health()
    last = store.last_run()
    success = store.last_run(statuses=("ok", "partial"))
    if last is None:
        dry = bool(store.recent_runs(1))
        health.flag(CRITICAL, "only dry runs recorded" if dry else "no run recorded")
    else:
        _judge_last(health, last, now)
    success_age = (now - (success.finished_at or success.started_at)).total_seconds() if success else None
    hours = settings.last_success_hours
    if last is not None and success is None:
        health.flag(CRITICAL, "no run has finished ok or partial")
    elif success is not None and success_age is not None:
        state = _state(success_age / 3600, hours)
        if state != OK and success.id != (last.id if last else None):
            health.flag(
                state, f"last success: run {success.id} {ago(success_age)} ago ({_limit(hours, 'h')})"
            )
        elif state != OK:
            health.flag(state, f"last success {ago(success_age)} ago ({_limit(hours, 'h')})")
    finished = last if last is not None and last.status in FINISHED else store.last_run(statuses=FINISHED)
    failures, rate = _failures(finished)
    if finished is not None and rate is not None and (state := _state(rate, settings.exception_rate)):
        limit = _limit(settings.exception_rate, "", percent=True)
        health.flag(state, f"exception rate {rate:.0%} in run {finished.id} ({limit})")
    held, overdue = store.hold_queue_size(now.astimezone().date())
    outbox = Outbox(store.sessions)
    pending = outbox.count("pending") + outbox.count("sending")
    refused = outbox.count("refused")
    counted = (
        ("held", held, settings.held, f"{held} held"),
        ("overdue", overdue, settings.overdue_holds, f"{overdue} overdue"),
        ("notices_pending", pending, settings.notices_pending, f"{pending} notices pending"),
        ("notices_refused", refused, settings.notices_refused, f"{refused} notices refused"),
    )
    for _, value, threshold, text in counted:
        if (state := _state(value, threshold)) != OK:
            health.flag(state, f"{text} ({_limit(threshold, '')})")
    health.facts.append(", ".join(text for *_, text in counted))
    health.metrics = [
        Metric(
            "last_success_age",
            None if success_age is None else round(success_age),
            "s",
            *_scaled(hours, 3600),
            0,
        ),
        Metric("last_run_age", _age(last, now), "s", min=0),
        Metric("failures", failures, "", min=0),
        Metric(
            "exception_rate",
            None if rate is None else round(rate * 100, 1),
            "%",
            *_scaled(settings.exception_rate, 100),
            0,
            100,
        ),
        *(Metric(label, value, "", t.warning, t.critical, 0) for label, value, t, _ in counted),
    ]
    return health


def _judge_last(health: Health, last: Run, now: datetime) -> None:
    status = shown_status(last, now)
    error = f": {last.error}" if last.error else ""
    if status == "running":
        health.facts.append(f"run {last.id} running for {ago((now - last.started_at).total_seconds())}")
        return
    if status == "abandoned":
        beat = (now - (last.heartbeat_at or last.started_at)).total_seconds()
        health.flag(
            CRITICAL,
            f"last run {last.id} abandoned: still 'running' but no heartbeat for {ago(beat)} "
            f"(process {last.pid} on {last.host} died?)",
        )
        return
    age = ago((now - (last.finished_at or last.started_at)).total_seconds())
    if status == "failed":
        health.flag(CRITICAL, f"last run {last.id} failed {age} ago{error}")
    elif status == "partial":
        health.flag(WARNING, f"last run {last.id} partial {age} ago{error}")
    else:
        health.facts.insert(0, f"last run {last.id} {status} {age} ago")


def _failures(run: Run | None) -> tuple[int | None, float | None]:
    if run is None:
        return None, None
    from robot.running.alerts import exception_rate

    counts = run.counts or {}
    return int(counts.get("failures", 0) or 0), exception_rate(counts)


def _state(value: float, threshold: Threshold) -> int:
    if threshold.critical is not None and value > threshold.critical:
        return CRITICAL
    if threshold.warning is not None and value > threshold.warning:
        return WARNING
    return OK


def _limit(threshold: Threshold, unit: str, *, percent: bool = False) -> str:
    def show(x: float) -> str:
        return f"{x:.0%}" if percent else f"{_num(x)}{unit}"

    levels = (("warning", threshold.warning), ("critical", threshold.critical))
    return ", ".join(f"{name} above {show(x)}" for name, x in levels if x is not None)


def _scaled(threshold: Threshold, factor: float) -> tuple[float | None, float | None]:
    """The thresholds in the metric's unit (hours → seconds, a rate → percent)."""
    warn, crit = threshold.warning, threshold.critical
    return (None if warn is None else warn * factor, None if crit is None else crit * factor)


def _age(run: Run | None, now: datetime) -> int | None:
    if run is None:
        return None
    return round((now - (run.finished_at or run.started_at)).total_seconds())


def ago(seconds: float) -> str:
    """``45s``, ``12m``, ``2h``, ``20h 5m``, ``3d 4h``."""
    s = max(0, int(seconds))
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    if d:
        return f"{d}d {h}h" if h else f"{d}d"
    if h:
        return f"{h}h {m}m" if m else f"{h}h"
    return f"{m}m" if m else f"{s}s"


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:.3f}".rstrip("0").rstrip(".")
