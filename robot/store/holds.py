"""The creditor team's hold queue: what the robot holds, and the three things a person can do.

- **release**: post it after all (the person checked it against the PDF, the vendor, the order);
- **return**: send it back to the customer with the person's reason (notice + Invoice Response);
- **retry**: read and classify it again from the stored bytes (after a PDF template, the vendor
  master or a purchase order was fixed).

Each is one transaction that only succeeds on an invoice that is still ``held`` (the row is
locked, so two people acting at once cannot both succeed), records who did it and why as an event,
and leaves the invoice pending: the next run takes it on, through the same exactly-once posting
and the same notices as any other invoice.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from classifiers.api import Finding
from robot.errors import StoreError
from robot.findings import finding_values
from robot.store.schema import Event, FindingRow, InvoiceRow, InvoiceState, utcnow

Decision = Literal["release", "return", "retry"]
EVENT = {"release": "released", "return": "returned-by-hand", "retry": "retry"}


class HoldQueue:
    """Mixin of :class:`robot.store.repo.Store` for the creditor team's decisions on held invoices."""

    sessions: sessionmaker[Session]

    def held(self, customer: str | None = None, error_type: str | None = None) -> list[InvoiceRow]:
        """Held invoices, the ones due first at the top (then the oldest received)."""
        query = select(InvoiceRow).where(InvoiceRow.state == InvoiceState.HELD)
        if customer:
            query = query.where(InvoiceRow.customer_id == customer)
        if error_type:
            query = query.where(InvoiceRow.error_types.contains(error_type))
        query = query.order_by(InvoiceRow.due_date.is_(None), InvoiceRow.due_date, InvoiceRow.received_at)
        with self.sessions() as s:
            return list(s.scalars(query))

    def hold_queue_size(self, today: date) -> tuple[int, int]:
        """How many invoices wait for a person, and how many of them are past their due date."""
        held = InvoiceRow.state == InvoiceState.HELD
        overdue = case((InvoiceRow.due_date < today, 1), else_=0)
        with self.sessions() as s:
            total, late = s.execute(
                select(func.count(), func.coalesce(func.sum(overdue), 0)).where(held)
            ).one()
        return int(total), int(late)

    def resolve_hold(
        self,
        invoice_id: int,
        decision: Decision,
        *,
        by: str,
        note: str = "",
        finding: Finding | None = None,
    ) -> InvoiceRow:
        """Record a person's decision on a held invoice; StoreError if it is not held (any more)."""
        if not by.strip():
            raise StoreError("say who decides (--by): the decision is recorded with the name")
        with self.sessions.begin() as s:
            row = s.scalars(select(InvoiceRow).where(InvoiceRow.id == invoice_id).with_for_update()).first()
            if row is None:
                raise StoreError(f"no invoice {invoice_id}")
            if row.state != InvoiceState.HELD:
                raise StoreError(
                    f"invoice {invoice_id} is {row.state}, not held: only held invoices can be "
                    f"released, returned or retried"
                )
            codes = list(s.scalars(select(FindingRow.code).where(FindingRow.invoice_id == invoice_id)))
            values: dict[str, object] = {
                "state": InvoiceState.CLASSIFIED,
                "attempts": 0,
                "last_error": None,
                "claimed_by": None,
                "lease_until": None,
                "updated_at": utcnow(),
            }
            if decision == "release":
                values["verdict"] = "post"
            elif decision == "return":
                if finding is None:
                    raise StoreError("a return by hand needs the reason (a MANUAL-RETURN finding)")
                values["verdict"] = "return"
                types = [t for t in (row.error_types or "").split(",") if t]
                values["error_types"] = ",".join(dict.fromkeys([*types, finding.reason]))
                s.add(FindingRow(**finding_values(invoice_id, finding)))
            else:
                values.update(state=InvoiceState.RECEIVED, verdict=None, error_types=None, read_error=None)
                s.execute(delete(FindingRow).where(FindingRow.invoice_id == invoice_id))
            s.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(**values))
            detail = {"by": by.strip(), "note": note.strip(), "findings": codes}
            s.add(Event(invoice_id=invoice_id, run_id=None, kind=EVENT[decision], detail=detail))
        return row
