"""Reading the store back: duplicate-check history, an invoice's journey, searches and counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from robot.store.schema import Document, Event, FindingRow, InvoiceRow, InvoiceState, PostingRow


@dataclass(frozen=True, slots=True)
class HistoryRow:
    invoice_id: int
    supplier_key: str
    invoice_number: str
    issue_date: date | None
    payable: Decimal | None
    sha256: str


#: what a :class:`HistoryRow` is read from, in its order (from invoices joined with their document)
HISTORY_COLUMNS = (
    InvoiceRow.id,
    InvoiceRow.supplier_key,
    InvoiceRow.invoice_number,
    InvoiceRow.issue_date,
    InvoiceRow.payable,
    Document.sha256,
)


def decided_history(*extra: Any) -> Select[Any]:
    """:data:`HISTORY_COLUMNS` (and ``extra``) of the decided invoices with a number: the earlier
    invoices the duplicate rules look at."""
    return (
        select(*HISTORY_COLUMNS, *extra)
        .join(Document, Document.id == InvoiceRow.document_id)
        .where(InvoiceRow.state.notin_((InvoiceState.RECEIVED, InvoiceState.READ)))
        .where(InvoiceRow.invoice_number.is_not(None))
    )


class Queries:
    """Mixin of :class:`robot.store.repo.Store` for read-only queries."""

    sessions: sessionmaker[Session]

    def history(self, batch: int = 10_000) -> Iterator[HistoryRow]:
        """Every classified invoice with a supplier and number, streamed in batches."""
        query = (
            decided_history().where(InvoiceRow.supplier_key.is_not(None)).execution_options(yield_per=batch)
        )
        with self.sessions() as s:
            for r in s.execute(query):
                yield HistoryRow(r[0], r[1] or "", r[2] or "", r[3], r[4], r[5])

    def history_of(
        self, supplier_key: str, sha256: str, *, since: datetime | None, session: Session | None = None
    ) -> list[HistoryRow]:
        """Decided invoices of one supplier changed since ``since`` (all if None), and any with the bytes."""
        decided = decided_history()
        by_supplier = decided.where(InvoiceRow.supplier_key == supplier_key)
        if since is not None:
            by_supplier = by_supplier.where(InvoiceRow.updated_at >= since)
        by_bytes = decided.where(Document.sha256 == sha256)
        query = union_all(by_supplier, by_bytes)
        with self.sessions() if session is None else nullcontext(session) as s:
            rows = {r[0]: r for r in s.execute(query)}
        return [HistoryRow(r[0], r[1] or "", r[2] or "", r[3], r[4], r[5]) for r in rows.values()]

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

        with self.sessions() as s:
            rows = s.execute(select(InvoiceRow.state, func.count()).group_by(InvoiceRow.state))
            return {state: n for state, n in rows}
