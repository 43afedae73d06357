"""The store's operations, one short transaction each, so a crash at any point loses nothing.

    >>> store = Store.open("sqlite:///var/fakturarobot.db")
    >>> run_id = store.start_run("manual")
    >>> receipt = store.receive("folder", doc, run_id)

Every state change writes an :class:`~robot.store.schema.Event` in the same transaction: the
invoice's journey is the event log.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import sessionmaker

from classifiers.api import Finding
from connectors.base import IncomingDocument
from robot.store.db import open_engine
from robot.store.receipts import Receipt, receive
from robot.store.schema import (
    Document,
    Event,
    FindingRow,
    InvoiceRow,
    InvoiceState,
    PostingRow,
    Run,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class ReadSummary:
    """What the run learned by reading the document (kept on the invoice row for search)."""

    format: str | None
    document_type: str | None
    invoice_number: str | None
    number_normalised: str | None
    supplier_key: str | None
    supplier_name: str | None
    issue_date: date | None
    payable: Decimal | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    invoice_id: int
    supplier_key: str
    invoice_number: str
    issue_date: date | None
    payable: Decimal | None
    sha256: str


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        return cls(open_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, trigger: str = "manual", *, dry_run: bool = False) -> int:
        with self.sessions.begin() as s:
            run = Run(trigger=trigger, dry_run=dry_run, host=socket.gethostname(), pid=os.getpid())
            run.heartbeat_at = run.started_at = utcnow()
            s.add(run)
            s.flush()
            s.add(Event(run_id=run.id, kind="run-started", detail={"trigger": trigger, "dry_run": dry_run}))
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None) -> None:
        with self.sessions.begin() as s:
            run = s.get_one(Run, run_id)
            run.status, run.counts, run.error, run.finished_at = status, counts, error, utcnow()
            s.add(Event(run_id=run_id, kind="run-finished", detail={"status": status, **counts}))

    def heartbeat(self, run_id: int) -> None:
        with self.sessions.begin() as s:
            s.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))

    def recent_runs(self, limit: int = 20) -> list[Run]:
        with self.sessions() as s:
            return list(s.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))

    def get_run(self, run_id: int) -> Run | None:
        with self.sessions() as s:
            return s.get(Run, run_id)

    # --- receiving ----------------------------------------------------------------------------

    def receive(self, source: str, doc: IncomingDocument, run_id: int | None) -> Receipt:
        return receive(self.sessions, source, doc, run_id)

    def document_of(self, invoice_id: int) -> tuple[InvoiceRow, Document]:
        with self.sessions() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            return row, s.get_one(Document, row.document_id)

    def invoice(self, invoice_id: int) -> InvoiceRow:
        with self.sessions() as s:
            return s.get_one(InvoiceRow, invoice_id)

    # --- the work queue -----------------------------------------------------------------------

    def pending_ids(self) -> list[int]:
        """Invoices with work left: not yet decided, or decided to post but not yet posted."""
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(InvoiceRow.id)
                    .where(InvoiceRow.state.in_(InvoiceState.PENDING))
                    .order_by(InvoiceRow.id)
                )
            )

    def claim(self, worker: str, limit: int, lease: timedelta, *, exclude: Iterable[int] = ()) -> list[int]:
        """Claim up to ``limit`` pending invoices for ``worker`` until the lease expires.

        PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so several workers never claim the same invoice;
        an expired lease (a dead worker) returns the invoice to the pool.
        """
        now = utcnow()
        with self.sessions.begin() as s:
            query = (
                select(InvoiceRow.id)
                .where(
                    InvoiceRow.state.in_(InvoiceState.PENDING),
                    or_(InvoiceRow.lease_until.is_(None), InvoiceRow.lease_until < now),
                )
                .order_by(InvoiceRow.id)
                .limit(limit)
            )
            skip = list(exclude)
            if skip:
                query = query.where(InvoiceRow.id.notin_(skip))
            if self.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(s.scalars(query))
            if ids:
                s.execute(
                    update(InvoiceRow)
                    .where(InvoiceRow.id.in_(ids))
                    .values(claimed_by=worker, lease_until=now + lease)
                )
            return ids

    def release_dead_claims(self, active_workers: Iterable[str] = ()) -> int:
        """Free invoices claimed by workers on this host that are gone (a crashed or killed process).

        Worker names are ``host:pid:run``. A claim from this host is dead when its process no longer
        exists, or when it is this process but not one of its ``active_workers`` (an earlier run in
        this process that died). Claims from other hosts are freed by lease expiry only.
        """
        host, me = socket.gethostname(), os.getpid()
        active = set(active_workers)
        dead: list[str] = []
        with self.sessions() as s:
            claimers = s.scalars(
                select(InvoiceRow.claimed_by).where(InvoiceRow.claimed_by.is_not(None)).distinct()
            )
            for worker in claimers:
                parts = (worker or "").split(":")
                if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
                    continue
                pid = int(parts[1])
                if (pid == me and worker not in active) or (pid != me and not _alive(pid)):
                    dead.append(worker or "")
        if not dead:
            return 0
        with self.sessions.begin() as s:
            result = s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.claimed_by.in_(dead))
                .values(claimed_by=None, lease_until=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def release(self, invoice_id: int, worker: str) -> None:
        with self.sessions.begin() as s:
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id == invoice_id, InvoiceRow.claimed_by == worker)
                .values(claimed_by=None, lease_until=None)
            )

    def renew(self, invoice_id: int, worker: str, lease: timedelta) -> bool:
        """Extend ``worker``'s lease on a pending invoice; False if the claim is no longer its own."""
        with self.sessions.begin() as s:
            result = s.execute(
                update(InvoiceRow)
                .where(
                    InvoiceRow.id == invoice_id,
                    InvoiceRow.claimed_by == worker,
                    InvoiceRow.state.in_(InvoiceState.PENDING),
                )
                .values(lease_until=utcnow() + lease)
            )
            return bool(getattr(result, "rowcount", 0))

    def customer_of(self, invoice_id: int) -> str | None:
        """The invoice's customer: as classified, else as the purchase system's metadata says."""
        with self.sessions() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            return row.customer_id or (row.source_meta or {}).get("customer")

    # --- processing steps ---------------------------------------------------------------------

    def event(self, invoice_id: int | None, run_id: int | None, kind: str, **detail: Any) -> None:
        with self.sessions.begin() as s:
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind=kind, detail=_plain(detail)))

    def mark_read(self, invoice_id: int, run_id: int, summary: ReadSummary | None, error: str | None) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            if summary is not None:
                for name in ReadSummary.__slots__:
                    setattr(row, name, getattr(summary, name))
            row.read_error = error
            row.state = InvoiceState.READ
            row.last_run_id = run_id
            detail: dict[str, Any] = {"error": error} if error else {"format": summary and summary.format}
            if summary is not None and summary.invoice_number:
                detail["invoice_number"] = summary.invoice_number
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind="read", detail=detail))

    def save_classification(
        self,
        invoice_id: int,
        run_id: int,
        *,
        customer_id: str | None,
        findings: Sequence[Finding],
        verdict: str,
        error_types: Iterable[str],
    ) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            s.query(FindingRow).filter(FindingRow.invoice_id == invoice_id).delete()
            for f in findings:
                s.add(_finding_row(invoice_id, f))
            row.customer_id = customer_id
            row.verdict = verdict
            row.error_types = ",".join(error_types) or None
            row.state = InvoiceState.CLASSIFIED
            row.last_run_id = run_id
            s.add(
                Event(
                    invoice_id=invoice_id,
                    run_id=run_id,
                    kind="classified",
                    detail={
                        "verdict": verdict,
                        "customer": customer_id,
                        "error_types": row.error_types,
                        "findings": [f.code for f in findings],
                    },
                )
            )

    def findings_of(self, invoice_id: int) -> list[FindingRow]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(FindingRow).where(FindingRow.invoice_id == invoice_id).order_by(FindingRow.id)
                )
            )

    # --- posting (exactly once) ---------------------------------------------------------------

    def begin_posting(
        self, invoice_id: int, run_id: int, key: str, ledger: str, payload: dict[str, Any]
    ) -> PostingRow:
        """Record the intent to post before the ERP is called. Returns the existing row on resume."""
        with self.sessions.begin() as s:
            existing = s.scalars(select(PostingRow).where(PostingRow.invoice_id == invoice_id)).one_or_none()
            if existing is not None:
                existing.attempts += 1
                return existing
            row = PostingRow(
                invoice_id=invoice_id, idempotency_key=key, ledger=ledger, payload=_plain(payload), attempts=1
            )
            s.add(row)
            s.add(
                Event(
                    invoice_id=invoice_id,
                    run_id=run_id,
                    kind="posting",
                    detail={"key": key, "ledger": ledger},
                )
            )
            s.flush()
            return row

    def complete_posting(
        self, invoice_id: int, run_id: int, erp_document_no: str, *, found_existing: bool
    ) -> None:
        with self.sessions.begin() as s:
            posting = s.scalars(select(PostingRow).where(PostingRow.invoice_id == invoice_id)).one()
            posting.state, posting.erp_document_no, posting.posted_at = "posted", erp_document_no, utcnow()
            row = s.get_one(InvoiceRow, invoice_id)
            row.state, row.erp_document_no, row.last_run_id = InvoiceState.POSTED, erp_document_no, run_id
            row.outcome_pending, row.claimed_by, row.lease_until, row.last_error = True, None, None, None
            detail = {"erp_document_no": erp_document_no, "found_existing": found_existing}
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind="posted", detail=detail))

    def step_failed(self, invoice_id: int, run_id: int, step: str, error: str) -> int:
        """An application failure (ERP or source down, a bug): the invoice stays pending. Returns attempts."""
        with self.sessions.begin() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            row.attempts += 1
            row.last_error = f"{step}: {error}"
            row.claimed_by, row.lease_until, row.last_run_id = None, None, run_id
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind=f"{step}-failed", detail={"error": error}))
            return row.attempts

    # --- return and hold ----------------------------------------------------------------------

    def mark_returned(self, invoice_id: int, run_id: int, invoice_response: bytes | None) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            row.state, row.invoice_response, row.last_run_id = InvoiceState.RETURNED, invoice_response, run_id
            row.outcome_pending, row.claimed_by, row.lease_until = True, None, None
            s.add(
                Event(
                    invoice_id=invoice_id,
                    run_id=run_id,
                    kind="returned",
                    detail={"error_types": row.error_types},
                )
            )

    def mark_held(self, invoice_id: int, run_id: int, reason: str) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            row.state, row.last_run_id, row.claimed_by, row.lease_until = (
                InvoiceState.HELD,
                run_id,
                None,
                None,
            )
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind="held", detail={"reason": reason}))

    def add_findings(self, invoice_id: int, findings: Sequence[Finding]) -> None:
        with self.sessions.begin() as s:
            for f in findings:
                s.add(_finding_row(invoice_id, f))

    # --- outcomes written back to the source ---------------------------------------------------

    def pending_outcomes(self) -> list[InvoiceRow]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(InvoiceRow).where(InvoiceRow.outcome_pending.is_(True)).order_by(InvoiceRow.id)
                )
            )

    def outcome_reported(self, invoice_id: int, run_id: int, outcome: str) -> None:
        with self.sessions.begin() as s:
            s.get_one(InvoiceRow, invoice_id).outcome_pending = False
            s.add(
                Event(
                    invoice_id=invoice_id, run_id=run_id, kind="outcome-reported", detail={"outcome": outcome}
                )
            )

    # --- history for the duplicate rules -------------------------------------------------------

    def history(self, batch: int = 10_000) -> Iterator[HistoryRow]:
        """Every classified invoice with a supplier and number, streamed in batches."""
        query = (
            select(
                InvoiceRow.id,
                InvoiceRow.supplier_key,
                InvoiceRow.invoice_number,
                InvoiceRow.issue_date,
                InvoiceRow.payable,
                Document.sha256,
            )
            .join(Document, Document.id == InvoiceRow.document_id)
            .where(InvoiceRow.state.notin_((InvoiceState.RECEIVED, InvoiceState.READ)))
            .where(InvoiceRow.supplier_key.is_not(None), InvoiceRow.invoice_number.is_not(None))
            .execution_options(yield_per=batch)
        )
        with self.sessions() as s:
            for r in s.execute(query):
                yield HistoryRow(r[0], r[1] or "", r[2] or "", r[3], r[4], r[5])

    # --- reading back ---------------------------------------------------------------------------

    def journey(self, invoice_id: int) -> tuple[InvoiceRow, list[Event], list[FindingRow], list[PostingRow]]:
        with self.sessions() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            events = list(s.scalars(select(Event).where(Event.invoice_id == invoice_id).order_by(Event.id)))
            findings = list(s.scalars(select(FindingRow).where(FindingRow.invoice_id == invoice_id)))
            postings = list(s.scalars(select(PostingRow).where(PostingRow.invoice_id == invoice_id)))
            return row, events, findings, postings

    def find_invoices(self, key: str) -> list[InvoiceRow]:
        """Invoices by id, invoice number or source reference (what a customer asks about)."""
        with self.sessions() as s:
            conds = [InvoiceRow.invoice_number == key, InvoiceRow.source_ref == key]
            if key.isdigit():
                conds.append(InvoiceRow.id == int(key))
            return list(s.scalars(select(InvoiceRow).where(or_(*conds)).order_by(InvoiceRow.id)))

    def invoices_of_run(self, run_id: int) -> list[InvoiceRow]:
        with self.sessions() as s:
            return list(
                s.scalars(select(InvoiceRow).where(InvoiceRow.last_run_id == run_id).order_by(InvoiceRow.id))
            )

    def count_by_state(self) -> dict[str, int]:
        from sqlalchemy import func

        with self.sessions() as s:
            rows = s.execute(select(InvoiceRow.state, func.count()).group_by(InvoiceRow.state))
            return {state: n for state, n in rows}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _finding_row(invoice_id: int, f: Finding) -> FindingRow:
    return FindingRow(
        invoice_id=invoice_id,
        code=f.code,
        official_ids=",".join(f.official_ids),
        severity=f.severity,
        disposition=f.disposition,
        status=f.status,
        reason=f.reason,
        action=f.action,
        field=f.field,
        message_da=f.message_da,
        message_en=f.message_en,
        found=f.found,
        expected=f.expected,
        line_id=f.line_id,
    )


def _plain(value: Any) -> Any:
    """JSON-safe copy: Decimals and dates as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value
