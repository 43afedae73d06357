"""What the *Runs* pages read: the run history, one run, the invoices it handled, its failures.

Every query is bounded (``LIMIT``) and pages by key, never by offset, so a page costs the same on
the first run as on the ten-thousandth and in a run of 100,000 invoices:

- the history newest first, ``before`` a run id (``runs`` primary key);
- a run's invoices in id order ``after`` an invoice id: the invoices whose latest run it is
  (``invoices.last_run_id``, as :meth:`robot.store.queries.Queries.invoices_of_run` and the run's
  counts have it), needing an index on ``invoices (last_run_id, id)``;
- a run's failures in event order ``after`` an event id: its events of the kinds in
  :data:`FAILURE_KINDS`, needing an index on ``events (run_id, kind, id)``.

A user bound to one customer (``customer``) sees only that customer's invoices and their failures;
failures that belong to no invoice (the source, the notifier) and the run's recorded problems name
other customers' documents, so they are shown only to users who see every customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from robot.running.health import ago
from robot.store.repo import Store
from robot.store.runs import shown_status
from robot.store.schema import Event, InvoiceRow, Run, error_type_codes, utcnow
from robot.web.reads.paging import page_of

#: event kinds that record something going wrong in a run (robot.running.run, robot.store.repo
#: step_failed's ``<step>-failed``, robot.store.outbox, robot.processing.actions, robot.running.alerts)
FAILURE_KINDS = (
    "process-failed",
    "intake-failed",
    "fetch-failed",
    "outcome-failed",
    "outcome-refused",
    "notice-refused",
    "erp-unreachable",
    "lease-lost",
    "alert-failed",
)
SCHEDULE_PREFIX = "schedule:"
RUNS_PER_PAGE = 50
INVOICES_PER_PAGE = 100
FAILURES_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class RunLine:
    """One run as the history and the run's page show it."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    status: str  # shown_status: ok | partial | failed | running | abandoned
    trigger: str
    dry_run: bool
    counts: dict[str, Any]
    error: str | None

    @property
    def seconds(self) -> float | None:
        return None if self.finished_at is None else (self.finished_at - self.started_at).total_seconds()

    @property
    def took(self) -> str:
        """``0.5s``, ``42.0s``, ``12m``, ``2h 5m``; empty while the run has not finished."""
        s = self.seconds
        if s is None:
            return ""
        return f"{s:.1f}s" if s < 60 else ago(s)

    @property
    def schedule(self) -> str | None:
        """The schedule that started the run (trigger ``schedule:NAME``), if one did."""
        return self.trigger[len(SCHEDULE_PREFIX) :] if self.trigger.startswith(SCHEDULE_PREFIX) else None

    def count(self, key: str) -> int:
        value = (self.counts or {}).get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    @property
    def error_types(self) -> list[tuple[str, int]]:
        """The run's error types, most frequent first (then by code)."""
        raw = (self.counts or {}).get("error_types") or {}
        pairs = [(str(k), int(v)) for k, v in raw.items() if isinstance(v, int | float)]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))


def run_line(run: Run, now: datetime | None = None) -> RunLine:
    return RunLine(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        heartbeat_at=run.heartbeat_at,
        status=shown_status(run, now or utcnow()),
        trigger=run.trigger,
        dry_run=run.dry_run,
        counts=dict(run.counts or {}),
        error=run.error,
    )


@dataclass(frozen=True, slots=True)
class RunPage:
    runs: list[RunLine]
    next_before: int | None  # the ``before`` of the next (older) page; None on the last page


def runs_page(
    store: Store, *, before: int | None = None, limit: int = RUNS_PER_PAGE, now: datetime | None = None
) -> RunPage:
    """The runs newest first, ``limit`` of them older than run ``before`` (the primary key)."""
    query = select(Run).order_by(Run.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(Run.id < before)
    with store.sessions() as s:
        rows, before_next = page_of(list(s.scalars(query)), limit, lambda r: r.id)
    return RunPage([run_line(r, now) for r in rows], before_next)


def run_of(store: Store, run_id: int, now: datetime | None = None) -> RunLine | None:
    run = store.get_run(run_id)
    return None if run is None else run_line(run, now)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One invoice of a run: enough to see where it stands and open it."""

    id: int
    invoice_number: str | None
    source_ref: str
    supplier_name: str | None
    customer_id: str | None
    state: str
    verdict: str | None
    error_types: tuple[str, ...]
    payable: Decimal | None
    currency: str | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class InvoicePage:
    invoices: list[InvoiceLine]
    next_after: int | None  # the ``after`` of the next page; None on the last page


_INVOICE_COLUMNS = (
    InvoiceRow.id,
    InvoiceRow.invoice_number,
    InvoiceRow.source_ref,
    InvoiceRow.supplier_name,
    InvoiceRow.customer_id,
    InvoiceRow.state,
    InvoiceRow.verdict,
    InvoiceRow.error_types,
    InvoiceRow.payable,
    InvoiceRow.currency,
    InvoiceRow.last_error,
)


def run_invoices(
    store: Store,
    run_id: int,
    *,
    after: int | None = None,
    customer: str | None = None,
    limit: int = INVOICES_PER_PAGE,
) -> InvoicePage:
    """The invoices whose latest run is ``run_id``, in id order, ``limit`` after invoice ``after``."""
    query = (
        select(*_INVOICE_COLUMNS)
        .where(InvoiceRow.last_run_id == run_id)
        .order_by(InvoiceRow.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(InvoiceRow.id > after)
    if customer is not None:
        query = query.where(InvoiceRow.customer_id == customer)
    with store.sessions() as s:
        rows, next_after = page_of(s.execute(query).all(), limit, lambda r: int(r.id))
    lines = [
        InvoiceLine(
            id=r.id,
            invoice_number=r.invoice_number,
            source_ref=r.source_ref,
            supplier_name=r.supplier_name,
            customer_id=r.customer_id,
            state=r.state,
            verdict=r.verdict,
            error_types=error_type_codes(r.error_types),
            payable=r.payable,
            currency=r.currency,
            last_error=r.last_error,
        )
        for r in rows
    ]
    return InvoicePage(lines, next_after)


@dataclass(frozen=True, slots=True)
class Failure:
    """One thing that went wrong in a run, with its message as recorded."""

    event_id: int
    at: datetime
    kind: str
    invoice_id: int | None
    message: str


@dataclass(frozen=True, slots=True)
class FailurePage:
    failures: list[Failure]
    total: int  # every failure event of the run the user may see
    next_after: int | None


def failure_message(detail: dict[str, Any]) -> str:
    """The recorded message of a failure event: its ``error`` (or ``reason``), else its details."""
    for key in ("error", "reason"):
        if detail.get(key):
            text = str(detail[key])
            if key == "error" and detail.get("in_a_row"):
                text += f" ({detail['in_a_row']}x)"
            return text
    return "; ".join(f"{k}: {v}" for k, v in detail.items() if v not in (None, "")) or "-"


def _failures_query(run_id: int, customer: str | None) -> Any:
    query = select(Event).where(Event.run_id == run_id, Event.kind.in_(FAILURE_KINDS))
    if customer is not None:
        query = query.join(InvoiceRow, InvoiceRow.id == Event.invoice_id).where(
            InvoiceRow.customer_id == customer
        )
    return query


def run_failures(
    store: Store,
    run_id: int,
    *,
    after: int | None = None,
    customer: str | None = None,
    limit: int = FAILURES_PER_PAGE,
) -> FailurePage:
    """The run's failure events in the order they happened, ``limit`` after event ``after``."""
    query = _failures_query(run_id, customer).order_by(Event.id).limit(limit + 1)
    if after is not None:
        query = query.where(Event.id > after)
    with store.sessions() as s:
        events, next_after = page_of(list(s.scalars(query)), limit, lambda e: e.id)
        total = _count_failures(s, run_id, customer)
    failures = [
        Failure(e.id, e.at, e.kind, e.invoice_id, failure_message(dict(e.detail or {}))) for e in events
    ]
    return FailurePage(failures, total, next_after)


def _count_failures(s: Session, run_id: int, customer: str | None) -> int:
    counted = _failures_query(run_id, customer).with_only_columns(func.count(Event.id))
    return int(s.scalar(counted) or 0)
