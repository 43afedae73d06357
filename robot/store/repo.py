"""The store's operations, one short transaction each, so a crash at any point loses nothing.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from connectors.base import IncomingDocument
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/fakturarobot.db")
    >>> run_id = store.start_run("manual")
    >>> content = Path("samples/inbox/0001-peppol-clean.xml").read_bytes()
    >>> doc = IncomingDocument("0001.xml", "0001.xml", content)
    >>> receipt = store.receive("folder", doc, run_id)
    >>> receipt.new, store.receive("folder", doc, run_id).new  # fetched again: recognised
    (True, False)
    >>> store.close(); tmp.cleanup()

Every state change writes an :class:`~robot.store.schema.Event` in the same transaction: the
invoice's journey is the event log. Writes that change a claimed invoice take an optional
``worker``: given, they happen only while ``claimed_by`` is still that worker (else
:class:`~robot.store.queue.LeaseLost`, and nothing is written), so a worker whose lease was lost
never records a decision or a completion over another worker's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from classifiers.api import Finding
from connectors.base import IncomingDocument
from robot.findings import finding_values
from robot.store.db import open_engine, open_existing
from robot.store.holds import HoldQueue
from robot.store.queries import Queries
from robot.store.queue import LeaseLost, WorkQueue
from robot.store.receipts import Receipt, receive
from robot.store.runs import RunLog
from robot.store.schema import (
    Document,
    Event,
    FindingRow,
    InvoiceRow,
    InvoiceState,
    PostingRow,
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
    due_date: date | None
    payable: Decimal | None
    currency: str | None


class Store(RunLog, WorkQueue, Queries, HoldQueue):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, existing: bool = False, upgrade: bool = False) -> Store:
        """Create and migrate the store (``FAKTURAROBOT_DATABASE_URL`` wins over ``url``); or, with
        ``existing``, open the store at exactly ``url`` without creating anything (upgrading an
        older schema only with ``upgrade``; see :func:`robot.store.db.open_existing`)."""
        if existing:
            assert url is not None, "an existing store is opened by its URL"
            return cls(open_existing(url, upgrade=upgrade))
        return cls(open_engine(url))

    @property
    def dialect(self) -> str:
        return str(self.engine.dialect.name)

    def close(self) -> None:
        self.engine.dispose()

    # --- receiving ----------------------------------------------------------------------------

    def receive(self, source: str, doc: IncomingDocument, run_id: int | None) -> Receipt:
        return receive(self.sessions, source, doc, run_id)

    def document_of(self, invoice_id: int) -> tuple[InvoiceRow, Document]:
        """The invoice row and its document, in one query."""
        with self.sessions() as s:
            row, document = s.execute(
                select(InvoiceRow, Document)
                .join(Document, Document.id == InvoiceRow.document_id)
                .where(InvoiceRow.id == invoice_id)
            ).one()
            return row, document

    def invoice(self, invoice_id: int) -> InvoiceRow:
        with self.sessions() as s:
            return s.get_one(InvoiceRow, invoice_id)

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

    def decide(
        self,
        invoice_id: int,
        run_id: int,
        *,
        summary: ReadSummary | None,
        read_error: str | None,
        customer_id: str | None,
        findings: Sequence[Finding],
        verdict: str,
        error_types: Iterable[str],
        posting: tuple[str, str, dict[str, Any]] | None = None,
        invoice_response: bytes | None = None,
        session: Session | None = None,
        worker: str | None = None,
    ) -> None:
        """A new invoice read, classified and decided, in one transaction with its events.

        ``post`` records the posting intent (key, ledger, payload) and leaves the invoice
        ``classified`` until the ERP confirms; ``return`` and ``hold`` are final here. Core
        statements, a handful of round trips: this is the hot path. Only for an invoice still
        ``received`` (it has no findings yet). Given a ``session``, the statements join its open
        transaction (the caller commits: see ``WorkQueue.supplier_transaction``).
        """
        now = utcnow()
        types = ",".join(dict.fromkeys(error_types)) or None
        values: dict[str, Any] = {
            "read_error": read_error,
            "customer_id": customer_id,
            "verdict": verdict,
            "error_types": types,
            "state": InvoiceState.CLASSIFIED,
            "last_run_id": run_id,
            "updated_at": now,
        }
        if summary is not None:
            values.update({name: getattr(summary, name) for name in ReadSummary.__slots__})
        read_detail: dict[str, Any] = (
            {"error": read_error} if read_error else {"format": values.get("format")}
        )
        if values.get("invoice_number"):
            read_detail["invoice_number"] = values["invoice_number"]
        events: list[tuple[str, dict[str, Any]]] = [
            ("read", read_detail),
            (
                "classified",
                {
                    "verdict": verdict,
                    "customer": customer_id,
                    "error_types": types,
                    "findings": [f.code for f in findings],
                },
            ),
        ]
        posting_row: dict[str, Any] | None = None
        if verdict == "post" and posting is not None:
            key, ledger, payload = posting
            posting_row = {
                "invoice_id": invoice_id,
                "idempotency_key": key,
                "ledger": ledger,
                "payload": _plain(payload),
                "attempts": 1,
                "state": "pending",
                "created_at": now,
            }
            events.append(("posting", {"key": key, "ledger": ledger}))
        elif verdict == "return":
            values.update(
                state=InvoiceState.RETURNED,
                invoice_response=invoice_response,
                outcome_pending=True,
                claimed_by=None,
                lease_until=None,
            )
            events.append(("returned", {"error_types": types}))
        elif verdict == "hold":
            values.update(state=InvoiceState.HELD, claimed_by=None, lease_until=None)
            events.append(("held", {"reason": ",".join(f.code for f in findings if f.blocks)}))
        event_rows = [
            {"invoice_id": invoice_id, "run_id": run_id, "kind": k, "detail": d, "at": now} for k, d in events
        ]
        with self.sessions.begin() if session is None else nullcontext(session) as s:
            result = s.execute(_owned(invoice_id, worker).values(**values))
            if worker is not None and not getattr(result, "rowcount", 0):
                raise LeaseLost(invoice_id, worker, "deciding")
            if findings:
                s.execute(insert(FindingRow), [finding_values(invoice_id, f) for f in findings])
            if posting_row is not None:
                s.execute(insert(PostingRow), [posting_row])
            s.execute(insert(Event), event_rows)

    def findings_of(self, invoice_id: int) -> list[FindingRow]:
        return self.findings_by_invoice([invoice_id]).get(invoice_id, [])

    def findings_by_invoice(self, invoice_ids: Sequence[int]) -> dict[int, list[FindingRow]]:
        """The findings of several invoices in one query, each invoice's in recorded order."""
        found: dict[int, list[FindingRow]] = {}
        if not invoice_ids:
            return found
        query = select(FindingRow).where(FindingRow.invoice_id.in_(invoice_ids)).order_by(FindingRow.id)
        with self.sessions() as s:
            for row in s.scalars(query):
                found.setdefault(row.invoice_id, []).append(row)
        return found

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
        self,
        invoice_id: int,
        run_id: int,
        erp_document_no: str,
        *,
        found_existing: bool,
        worker: str | None = None,
    ) -> None:
        """The ERP confirmed: the invoice is posted. With ``worker``, only while it still holds it."""
        now = utcnow()
        with self.sessions.begin() as s:
            result = s.execute(
                _owned(invoice_id, worker).values(
                    state=InvoiceState.POSTED,
                    erp_document_no=erp_document_no,
                    last_run_id=run_id,
                    outcome_pending=True,
                    claimed_by=None,
                    lease_until=None,
                    last_error=None,
                    erp_unreachable=0,
                    retry_after=None,
                    updated_at=now,
                )
            )
            if worker is not None and not getattr(result, "rowcount", 0):
                raise LeaseLost(invoice_id, worker, "recording the posting")
            s.execute(
                update(PostingRow)
                .where(PostingRow.invoice_id == invoice_id)
                .values(state="posted", erp_document_no=erp_document_no, posted_at=now)
            )
            detail = {"erp_document_no": erp_document_no, "found_existing": found_existing}
            s.execute(
                insert(Event),
                [{"invoice_id": invoice_id, "run_id": run_id, "kind": "posted", "detail": detail, "at": now}],
            )

    def step_failed(
        self, invoice_id: int, run_id: int, step: str, error: str, *, worker: str | None = None
    ) -> int:
        """An application failure (a bug, a damaged file): the invoice stays pending. Returns attempts."""
        with self.sessions.begin() as s:
            row = _owned_row(s, invoice_id, worker, f"recording a {step} failure")
            row.attempts += 1
            row.last_error = f"{step}: {error}"
            row.claimed_by, row.lease_until, row.last_run_id = None, None, run_id
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind=f"{step}-failed", detail={"error": error}))
            return row.attempts

    def erp_unreachable(
        self,
        invoice_id: int,
        run_id: int,
        error: str,
        *,
        backoff: timedelta,
        backoff_max: timedelta,
        worker: str | None = None,
    ) -> tuple[int, datetime]:
        """The ERP could not be reached: back off, without spending the invoice's ``attempts``.

        The invoice stays pending. The first outage in a row is retried by the next run (a blip);
        from the second on it is not claimed before ``retry_after`` = now + ``backoff`` doubled per
        further outage (at most ``backoff_max``). Returns (outages in a row, retry_after).
        """
        now = utcnow()
        with self.sessions.begin() as s:
            row = _owned_row(s, invoice_id, worker, "recording an ERP outage")
            row.erp_unreachable = (row.erp_unreachable or 0) + 1
            n = row.erp_unreachable
            delay = timedelta(0) if n == 1 else min(backoff * 2 ** min(n - 2, 30), backoff_max)
            row.retry_after = now + delay
            row.last_error = f"erp unreachable: {error}"
            row.claimed_by, row.lease_until, row.last_run_id = None, None, run_id
            detail = {"error": error, "in_a_row": row.erp_unreachable, "retry_after": row.retry_after}
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind="erp-unreachable", detail=_plain(detail)))
            return row.erp_unreachable, row.retry_after

    # --- return and hold ----------------------------------------------------------------------

    def mark_returned(
        self, invoice_id: int, run_id: int, invoice_response: bytes | None, *, worker: str | None = None
    ) -> None:
        with self.sessions.begin() as s:
            row = _owned_row(s, invoice_id, worker, "returning")
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

    def mark_held(self, invoice_id: int, run_id: int, reason: str, *, worker: str | None = None) -> None:
        with self.sessions.begin() as s:
            row = _owned_row(s, invoice_id, worker, "holding")
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
            s.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(outcome_pending=False))
            event = {"invoice_id": invoice_id, "run_id": run_id, "kind": "outcome-reported"}
            s.execute(insert(Event), [{**event, "detail": {"outcome": outcome}, "at": utcnow()}])


def _owned(invoice_id: int, worker: str | None) -> Any:
    """``UPDATE invoices WHERE id = ?`` (and ``AND claimed_by = ?`` when a worker is given)."""
    query = update(InvoiceRow).where(InvoiceRow.id == invoice_id)
    return query if worker is None else query.where(InvoiceRow.claimed_by == worker)


def _owned_row(s: Session, invoice_id: int, worker: str | None, step: str) -> InvoiceRow:
    """The invoice row, locked (PostgreSQL), checked to be still ``worker``'s when one is given."""
    row = s.get_one(InvoiceRow, invoice_id, with_for_update=worker is not None)
    if worker is not None and row.claimed_by != worker:
        raise LeaseLost(invoice_id, worker, step)
    return row


def _finding_row(invoice_id: int, f: Finding) -> FindingRow:
    return FindingRow(**finding_values(invoice_id, f))


def _plain(value: Any) -> Any:
    """JSON-safe copy: Decimals and dates as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value
