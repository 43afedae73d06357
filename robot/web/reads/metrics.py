"""What ``/metrics`` reports, read from the store with SQL aggregates (fast at 1,000,000 invoices).

:func:`snapshot` reads everything in a handful of ``GROUP BY`` and ``LIMIT`` queries; nothing is
kept between requests, so every instance of the console behind a load balancer reports the same
numbers. The Prometheus families are made from it in :mod:`robot.web.pages.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from robot.store.outbox import PENDING, REFUSED, SENDING, SENT
from robot.store.repo import Store
from robot.store.runs import FINISHED, STALE_AFTER
from robot.store.schema import ErrorTypeRow, InvoiceRow, NoticeRow, Run

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
#: how many finished runs the duration distribution covers (newest first)
RECENT_RUNS = 100
#: a run counts as a success when it finished ``ok`` or ``partial`` (as ``fakturarobot health``)
SUCCESS = ("ok", "partial")
RUN_STATUSES = ("running", "abandoned", *FINISHED)
NOTICE_STATES = (PENDING, SENDING, SENT, "failed", REFUSED)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The store's numbers at ``now``."""

    now: datetime
    runs: dict[tuple[str, bool], int]  # (status as shown, dry run) → runs
    invoices: dict[tuple[str, str], int]  # (state, verdict or "none") → invoices
    error_types: dict[str, int]  # error type code → invoices carrying it
    held: int
    overdue: int  # held and past their due date (today in Copenhagen)
    notices: dict[str, int]  # notice state → notices
    last_success_at: datetime | None  # when the last run that finished ok/partial ended
    last_run_duration: float | None  # seconds, the last finished run (not a dry run)
    recent_durations: tuple[float, ...]  # seconds, the last RECENT_RUNS finished runs, newest first

    @property
    def last_success_age(self) -> float | None:
        if self.last_success_at is None:
            return None
        return max((self.now - self.last_success_at).total_seconds(), 0.0)


def snapshot(store: Store, now: datetime) -> Snapshot:
    """The numbers ``/metrics`` reports, each from one aggregate query."""
    held, overdue = store.hold_queue_size(now.astimezone(COPENHAGEN).date())
    success = store.last_run(statuses=SUCCESS)
    durations = _recent_durations(store)
    return Snapshot(
        now=now,
        runs=_runs(store, now),
        invoices=_invoices(store),
        error_types=_error_types(store),
        held=held,
        overdue=overdue,
        notices=_notices(store),
        last_success_at=None if success is None else (success.finished_at or success.started_at),
        last_run_duration=durations[0] if durations else None,
        recent_durations=durations,
    )


def _runs(store: Store, now: datetime) -> dict[tuple[str, bool], int]:
    beat = func.coalesce(Run.heartbeat_at, Run.started_at)
    dead = and_(Run.status == "running", beat < now - STALE_AFTER)
    shown = select(case((dead, "abandoned"), else_=Run.status).label("status"), Run.dry_run).subquery()
    query = select(shown.c.status, shown.c.dry_run, func.count()).group_by(shown.c.status, shown.c.dry_run)
    with store.sessions() as s:
        return {(str(status), bool(dry)): int(n) for status, dry, n in s.execute(query)}


def _invoices(store: Store) -> dict[tuple[str, str], int]:
    query = select(InvoiceRow.state, InvoiceRow.verdict, func.count()).group_by(
        InvoiceRow.state, InvoiceRow.verdict
    )
    with store.sessions() as s:
        return {(str(state), str(verdict or "none")): int(n) for state, verdict, n in s.execute(query)}


def _error_types(store: Store) -> dict[str, int]:
    query = select(ErrorTypeRow.code, func.count()).group_by(ErrorTypeRow.code)
    with store.sessions() as s:
        return {str(code): int(n) for code, n in s.execute(query)}


def _notices(store: Store) -> dict[str, int]:
    query = select(NoticeRow.state, func.count()).group_by(NoticeRow.state)
    with store.sessions() as s:
        return {str(state): int(n) for state, n in s.execute(query)}


def _recent_durations(store: Store) -> tuple[float, ...]:
    query = (
        select(Run.started_at, Run.finished_at)
        .where(Run.dry_run.is_(False), Run.status.in_(FINISHED), Run.finished_at.is_not(None))
        .order_by(Run.id.desc())
        .limit(RECENT_RUNS)
    )
    with store.sessions() as s:
        rows = s.execute(query).all()
    return tuple(max((end - start).total_seconds(), 0.0) for start, end in rows if end is not None)
