"""What the *Overview* page reads: did yesterday's and today's scheduled runs happen, on time and
ok, and when each schedule runs next (:mod:`robot.web.reads.expected`); the last run's counts; the
hold queue; notices; open alerts; and the progress of a run going on now.

The alerts are what ``fakturarobot health`` judges warning or critical (robot.running.health).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from robot.configuration.settings import HealthSettings, LoadedConfig
from robot.running.health import OK, STATE_NAMES, evaluate
from robot.store.outbox import Outbox
from robot.store.repo import Store
from robot.store.runs import FINISHED, shown_status
from robot.store.schema import Event, InvoiceRow, InvoiceState, Run
from robot.web.reads.expected import FIRES_SHOWN as FIRES_SHOWN
from robot.web.reads.expected import ZONE, ExpectedRun, NextFire, expected_runs, next_fires, schedules_of
from robot.web.reads.runs import RunLine, run_line

#: the failures that leave an invoice waiting for a later run (robot.processing.actions)
INVOICE_FAILURES = ("process-failed", "erp-unreachable")


@dataclass(frozen=True, slots=True)
class HoldQueueSize:
    size: int
    overdue: int
    oldest_id: int | None
    oldest_received_at: datetime | None


@dataclass(frozen=True, slots=True)
class Alert:
    level: str  # warning | critical | unknown
    text: str


@dataclass(frozen=True, slots=True)
class Progress:
    """A run going on now (status running, heartbeat fresh): what it has handled so far."""

    run: RunLine
    by_state: dict[str, int]  # its invoices decided so far: posted, returned, held
    failed: int  # invoices that failed in it so far (they wait for a later run)
    pending: int  # invoices still waiting in the store (for this run or the next)

    @property
    def handled(self) -> int:
        """Invoices the run has taken as far as it can so far: decided or failed."""
        return sum(self.by_state.values()) + self.failed

    @property
    def percent(self) -> int:
        total = self.handled + self.pending
        return 100 if total == 0 else min(100, round(100 * self.handled / total))


@dataclass(frozen=True, slots=True)
class Overview:
    today: date
    yesterday: date
    expected: list[ExpectedRun]
    next_fires: list[NextFire]
    schedules_error: str | None  # schedules.yaml could not be read
    last_run: RunLine | None  # the last finished run that was not a dry run
    hold: HoldQueueSize
    notices_pending: int
    notices_refused: int
    alerts: list[Alert]
    live: list[Progress]


def hold_queue(store: Store, today: date, customer: str | None = None) -> HoldQueueSize:
    """Held invoices, how many are past their due date, and the one held longest (oldest received)."""
    held = InvoiceRow.state == InvoiceState.HELD
    with store.sessions() as s:
        if customer is None:
            size, overdue = store.hold_queue_size(today)
        else:
            late = case((InvoiceRow.due_date < today, 1), else_=0)
            total, past = s.execute(
                select(func.count(), func.coalesce(func.sum(late), 0)).where(
                    held, InvoiceRow.customer_id == customer
                )
            ).one()
            size, overdue = int(total), int(past)
        oldest_query = select(InvoiceRow.id, InvoiceRow.received_at).where(held)
        if customer is not None:
            oldest_query = oldest_query.where(InvoiceRow.customer_id == customer)
        oldest = s.execute(oldest_query.order_by(InvoiceRow.received_at, InvoiceRow.id).limit(1)).first()
    return HoldQueueSize(size, overdue, oldest[0] if oldest else None, oldest[1] if oldest else None)


def live_runs(store: Store, now: datetime) -> list[Progress]:
    """The runs going on now (a ``running`` run with a fresh heartbeat), each with its progress."""
    query = select(Run).where(Run.status == "running").order_by(Run.id.desc()).limit(10)
    with store.sessions() as s:
        running = [r for r in s.scalars(query) if shown_status(r, now) == "running"]
        if not running:
            return []
        pending = int(s.scalar(select(func.count()).where(InvoiceRow.state.in_(InvoiceState.PENDING))) or 0)
        found = []
        for run in running:
            counted = s.execute(
                select(InvoiceRow.state, func.count())
                .where(InvoiceRow.last_run_id == run.id, InvoiceRow.state.in_(InvoiceState.DONE))
                .group_by(InvoiceRow.state)
            ).all()
            failed = s.scalar(
                select(func.count(func.distinct(Event.invoice_id)))
                .join(InvoiceRow, InvoiceRow.id == Event.invoice_id)
                .where(
                    Event.run_id == run.id,
                    Event.kind.in_(INVOICE_FAILURES),
                    InvoiceRow.state.in_(InvoiceState.PENDING),
                )
            )
            by_state = {str(state): int(n) for state, n in counted}
            found.append(Progress(run_line(run, now), by_state, int(failed or 0), pending))
    return found


def alerts(store: Store, settings: HealthSettings, now: datetime) -> list[Alert]:
    """What the health check judges warning or critical now, worst first."""
    health = evaluate(store, settings, now)
    problems = sorted((p for p in health.problems if p[0] != OK), key=lambda p: -p[0])
    return [Alert(STATE_NAMES[state].lower(), text) for state, text in problems]


def last_finished_run(store: Store, now: datetime) -> RunLine | None:
    run = store.last_run(statuses=FINISHED)
    return None if run is None else run_line(run, now)


def overview(
    store: Store,
    config: LoadedConfig | None,
    now: datetime,
    *,
    customer: str | None = None,
) -> Overview:
    """Everything the overview shows. A user bound to one customer sees that customer's hold
    queue, and no alerts (their texts quote every customer's runs)."""
    schedules, problem = schedules_of(config)
    today = now.astimezone(ZONE).date()
    outbox = Outbox(store.sessions)
    settings = config.cfg.health if config is not None else HealthSettings()
    return Overview(
        today=today,
        yesterday=today - timedelta(days=1),
        expected=expected_runs(store, schedules, now) if schedules is not None else [],
        next_fires=next_fires(schedules, now) if schedules is not None else [],
        schedules_error=problem,
        last_run=last_finished_run(store, now),
        hold=hold_queue(store, today, customer),
        notices_pending=outbox.count("pending") + outbox.count("sending"),
        notices_refused=outbox.count("refused"),
        alerts=alerts(store, settings, now) if customer is None else [],
        live=live_runs(store, now),
    )
