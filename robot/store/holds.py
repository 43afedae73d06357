"""The creditor team's hold queue: what the robot holds, and the three things a person can do.

- **release**: post it after all (the person checked it against the PDF, the vendor, the order);
- **return**: send it back to the customer with the person's reason (notice + Invoice Response);
- **retry**: read and classify it again from the stored bytes (after a PDF template, the vendor
  master or a purchase order was fixed).

Each is one transaction that only succeeds on an invoice that is still ``held`` (the row is
locked, so two people acting at once cannot both succeed), records who did it and why as an event,
and leaves the invoice pending: the next run takes it on, through the same exactly-once posting
and the same notices as any other invoice.

A release of changed bank details (:data:`classifiers.criteria.BANK_DETAIL_CODES`) needs a note;
where the customer's criteria name the hold in ``four_eyes``, the first release is an approval
(event ``release-approved``, the invoice stays held) and a second, different person's release
completes it. Approvals count from the invoice's latest ``held`` event, so a retry that holds it
again starts afresh. What a person decided and what it waits for is
:func:`robot.store.standing.standing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from classifiers.api import Finding
from classifiers.criteria import BANK_DETAIL_CODES, Customer
from robot.errors import StoreError
from robot.store.decisions import set_error_types
from robot.store.findings_map import finding_values
from robot.store.schema import (
    ErrorTypeRow,
    Event,
    FindingRow,
    InvoiceRow,
    InvoiceState,
    PostingRow,
    error_type_codes,
    utcnow,
)
from robot.store.standing import (
    APPROVED,
    EVENT,
    HUMAN_DECISIONS,
    STANDING_KINDS,
    Decision,
    Standing,
    standing,
    state_text,
)

#: the hold queue and, from robot.store.standing, the decisions' words it is imported for
__all__ = [
    "APPROVED",
    "EVENT",
    "HUMAN_DECISIONS",
    "Decision",
    "HoldQueue",
    "Resolution",
    "Standing",
    "standing",
    "state_text",
]


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a decision did: carried out by the next run, or an approval waiting for a second person."""

    row: InvoiceRow
    decision: Decision
    standing: Standing


class HoldQueue:
    """Mixin of :class:`robot.store.repo.Store` for the creditor team's decisions on held invoices."""

    sessions: sessionmaker[Session]

    def held(self, customer: str | None = None, error_type: str | None = None) -> list[InvoiceRow]:
        """Held invoices, the ones due first at the top (then the oldest received).

        ``customer`` is compared without case; ``error_type`` is one code of the invoice's error
        types, matched exactly (``invoice_error_types``: ``PAY`` matches ``OTH,PAY``, never a part
        of a code).
        """
        query = select(InvoiceRow).where(InvoiceRow.state == InvoiceState.HELD)
        if customer:
            query = query.where(func.upper(InvoiceRow.customer_id) == customer.strip().upper())
        if error_type:
            coded = select(ErrorTypeRow.invoice_id).where(ErrorTypeRow.code == error_type.strip().upper())
            query = query.where(InvoiceRow.id.in_(coded))
        query = query.order_by(InvoiceRow.due_date.is_(None), InvoiceRow.due_date, InvoiceRow.received_at)
        with self.sessions() as s:
            return list(s.scalars(query))

    def standings(self, invoices: Iterable[InvoiceRow]) -> dict[int, Standing]:
        """Each invoice's :func:`standing` (only those that have one), in one query."""
        rows = {row.id: row for row in invoices}
        if not rows:
            return {}
        query = (
            select(Event)
            .where(Event.invoice_id.in_(rows), Event.kind.in_(STANDING_KINDS))
            .order_by(Event.invoice_id, Event.id)
        )
        events: dict[int, list[Event]] = {}
        with self.sessions() as s:
            for e in s.scalars(query):
                events.setdefault(e.invoice_id or 0, []).append(e)
        found = {i: standing(rows[i].state, events.get(i, [])) for i in rows}
        return {i: st for i, st in found.items() if st is not None}

    def decided_waiting(self) -> list[tuple[InvoiceRow, Standing]]:
        """Invoices a person decided on that wait for the next run (released, returned, retried)."""
        decided = select(Event.invoice_id).where(Event.kind.in_(tuple(EVENT.values())))
        query = (
            select(InvoiceRow)
            .where(InvoiceRow.state.in_(InvoiceState.PENDING), InvoiceRow.id.in_(decided))
            .order_by(InvoiceRow.id)
        )
        with self.sessions() as s:
            rows = list(s.scalars(query))
        found = self.standings(rows)
        return [(row, found[row.id]) for row in rows if row.id in found]

    def posting_key_owner(self, key: str, invoice_id: int) -> PostingRow | None:
        """Another invoice's posting with this idempotency key (a run could not post this one)."""
        query = select(PostingRow).where(
            and_(PostingRow.idempotency_key == key, PostingRow.invoice_id != invoice_id)
        )
        with self.sessions() as s:
            return s.scalars(query).first()

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
        customers: Mapping[str, Customer] | None = None,
    ) -> Resolution:
        """Record a person's decision on a held invoice; StoreError if it is refused.

        Refused: an invoice that is not held (any more: the message says who decided what), a
        release of changed bank details without a note, and, where the customer's criteria
        (``customers``) ask for four eyes, a release by the person who already approved it.
        """
        who, why = by.strip(), note.strip()
        if not who:
            raise StoreError("say who decides (--by): the decision is recorded with the name")
        with self.sessions.begin() as s:
            # lock the invoice before reading anything: a row lock on PostgreSQL, the write lock on
            # SQLite (whose SELECT FOR UPDATE is a plain read), so two deciders are serialised
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id == invoice_id)
                .values(updated_at=InvoiceRow.updated_at)
                .execution_options(synchronize_session=False)
            )
            row = s.scalars(select(InvoiceRow).where(InvoiceRow.id == invoice_id).with_for_update()).first()
            if row is None:
                raise StoreError(f"no invoice {invoice_id}")
            events = list(
                s.scalars(
                    select(Event)
                    .where(Event.invoice_id == invoice_id, Event.kind.in_(STANDING_KINDS))
                    .order_by(Event.id)
                )
            )
            if row.state != InvoiceState.HELD:
                raise StoreError(_not_held(row, standing(row.state, events)))
            held_by = list(
                s.scalars(
                    select(FindingRow.code).where(
                        FindingRow.invoice_id == invoice_id, FindingRow.disposition == "hold"
                    )
                )
            )
            codes = list(s.scalars(select(FindingRow.code).where(FindingRow.invoice_id == invoice_id)))
            detail: dict[str, object] = {"by": who, "note": why, "findings": codes}
            if decision == "release":
                if self._only_approval(row, held_by, who, why, events, customers or {}):
                    s.add(Event(invoice_id=invoice_id, run_id=None, kind=APPROVED, detail=detail))
                    return Resolution(row, decision, Standing(APPROVED, who, utcnow()))
                current = standing(row.state, events)
                if current is not None:  # the second person completes the first one's approval
                    detail["approved_by"] = current.by
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
                types = list(error_type_codes(row.error_types))
                values["error_types"] = ",".join(dict.fromkeys([*types, finding.reason]))
                set_error_types(s, invoice_id, [*types, finding.reason])
                s.add(FindingRow(**finding_values(invoice_id, finding)))
            else:
                values.update(state=InvoiceState.RECEIVED, verdict=None, error_types=None, read_error=None)
                s.execute(delete(FindingRow).where(FindingRow.invoice_id == invoice_id))
                set_error_types(s, invoice_id, [])
            s.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(**values))
            event = Event(invoice_id=invoice_id, run_id=None, kind=EVENT[decision], detail=detail)
            s.add(event)
            s.flush()
            approved = (str(detail["approved_by"]),) if "approved_by" in detail else ()
            return Resolution(row, decision, Standing(EVENT[decision], who, event.at, approved))

    @staticmethod
    def _only_approval(
        row: InvoiceRow,
        held_by: list[str],
        who: str,
        note: str,
        events: list[Event],
        customers: Mapping[str, Customer],
    ) -> bool:
        """Whether this release is the first of four eyes (an approval); refuses what it may not do."""
        bank = sorted(BANK_DETAIL_CODES.intersection(held_by))
        if bank and not note:
            raise StoreError(
                f"invoice {row.id} is held for changed bank details ({', '.join(bank)}): a release needs "
                "--note saying how the new details were confirmed (e.g. called the supplier on a number "
                "from the vendor master)"
            )
        customer = customers.get(row.customer_id or "")
        if customer is None or not customer.criteria.needs_four_eyes(held_by):
            return False
        current = standing(row.state, events)
        if current is None:
            return True
        if current.by.casefold() == who.casefold():
            raise StoreError(
                f"invoice {row.id}: {current.text()}; {who} cannot also be the second person "
                f"(customer {row.customer_id} wants four eyes on this hold)"
            )
        return False


def _not_held(row: InvoiceRow, current: Standing | None) -> str:
    if current is not None:
        return (
            f"invoice {row.id} is not held any more: {current.text()} (fakturarobot run); nothing was changed"
        )
    return (
        f"invoice {row.id} is {row.state}, not held: only held invoices can be released, returned or "
        "retried (fakturarobot show ID tells its journey)"
    )
