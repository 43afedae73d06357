"""Where an invoice stands, in words its customer understands (Danish and English).

    state = customer_state(invoice_row, events, findings)
    state.key, state.da, state.en        # "paid", "Betalt 12. marts 2026", "Paid on 12 March 2026"

Derived from the invoice's row (``state``, ``erp_document_no``, ``due_date``) and its journey
(the events, oldest first) and findings; :func:`customer_state` reads nothing else. The keys, in
the order an invoice usually meets them:

- ``received``: stored, not yet read;
- ``checking``: being checked (read and classified, or a person at the service centre has decided
  and the robot carries it out at its next run, or a hold the creditor team resolves itself:
  a suspected duplicate, changed bank details, an unreadable document ...);
- ``waiting``: waiting for you: held on the customer's own criteria (``CUST-*`` rules) or a missing
  reference; ``details`` say what is missing (the hold's findings);
- ``returned``: returned to the supplier; ``details`` say why and what the supplier was asked to do
  (the return findings' messages and action codes);
- ``posted``: posted in the ERP (its document number);
- ``paid``: an event ``paid`` {booking_date, amount, currency, bank_reference} from the bank matching,
  with ``on_time`` against the due date;
- ``payment-failed``: an event ``payment-failed`` {status, reason} later than the last ``paid``.

A later ``paid`` after a ``payment-failed`` is paid again. :func:`on_time_shares` (one SQL query
over a session) gives the share of paid invoices paid on time per customer and supplier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Date, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from classifiers.texts import Text, date_long_da, date_long_en
from robot.codes import Action, UnknownCodeError
from robot.processing import event_detail
from robot.store.schema import Event, InvoiceRow

RECEIVED, CHECKING, WAITING, RETURNED = "received", "checking", "waiting", "returned"
POSTED, PAID, PAYMENT_FAILED = "posted", "paid", "payment-failed"
KEYS = (RECEIVED, CHECKING, WAITING, RETURNED, POSTED, PAID, PAYMENT_FAILED)
#: the customer's own words for each key (a headline; the state adds the date or number)
LABELS: dict[str, tuple[str, str]] = {
    RECEIVED: ("Modtaget", "Received"),
    CHECKING: ("Under kontrol", "Being checked"),
    WAITING: ("Venter på jer", "Waiting for you"),
    RETURNED: ("Returneret til leverandøren", "Returned to the supplier"),
    POSTED: ("Bogført", "Posted"),
    PAID: ("Betalt", "Paid"),
    PAYMENT_FAILED: ("Betalingen mislykkedes", "Payment failed"),
}
#: decisions of a person after a hold: the robot carries them out at its next run
_DECIDED = ("released", "returned-by-hand", "retry")


class InvoiceLike(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def erp_document_no(self) -> str | None: ...
    @property
    def due_date(self) -> date | None: ...


class EventLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...


class FindingLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def disposition(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def message_da(self) -> str: ...
    @property
    def message_en(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CustomerState:
    key: str
    da: str
    en: str
    details: tuple[Text, ...] = ()
    erp_document_no: str | None = None
    paid_on: date | None = None
    paid_amount: Decimal | None = None
    currency: str | None = None
    on_time: bool | None = None  # paid: booked on or before the due date (None: no due date)

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.da


def longday(d: date, lang: str) -> str:
    """
    >>> longday(date(2026, 3, 12), "da"), longday(date(2026, 3, 12), "en")
    ('12. marts 2026', '12 March 2026')
    """
    return date_long_en(d) if lang == "en" else date_long_da(d)


def _action(code: str) -> Text | None:
    try:
        member = Action.of(code)
    except UnknownCodeError:
        return None
    return Text(member.da, member.en)


def waits_for_customer(finding: FindingLike) -> bool:
    """A hold the customer resolves: its own criteria (``CUST-*``) or a missing reference."""
    return finding.code.startswith("CUST-") or finding.reason == "REF"


def _findings_lines(findings: Iterable[FindingLike], *, with_action: bool) -> tuple[Text, ...]:
    lines: list[Text] = []
    for f in findings:
        lines.append(Text(f.message_da, f.message_en))
        action = _action(f.action) if with_action else None
        if action is not None:
            lines.append(Text(f"Næste skridt: {action.da}", f"Next step: {action.en}"))
    return tuple(dict.fromkeys(lines))


def _paid(invoice: InvoiceLike, paid: EventLike, all_paid: Sequence[EventLike]) -> CustomerState:
    on = event_detail.day(paid.detail.get("booking_date")) or paid.at.date()
    amount = event_detail.amount(paid.detail.get("amount"))
    currency = str(paid.detail.get("currency") or "") or None
    on_time = None if invoice.due_date is None else on <= invoice.due_date
    da, en = f"Betalt {longday(on, 'da')}", f"Paid on {longday(on, 'en')}"
    details: list[Text] = []
    if on_time is True:
        details.append(Text("Betalt til tiden.", "Paid on time."))
    elif on_time is False and invoice.due_date is not None:
        late = (on - invoice.due_date).days
        details.append(
            Text(
                f"Betalt {late} dage efter forfald ({longday(invoice.due_date, 'da')}).",
                f"Paid {late} days after the due date ({longday(invoice.due_date, 'en')}).",
            )
        )
    if len(all_paid) > 1:
        details.append(Text(f"Betalt i {len(all_paid)} rater.", f"Paid in {len(all_paid)} payments."))
    return CustomerState(PAID, da, en, tuple(details), invoice.erp_document_no, on, amount, currency, on_time)


def _failed(invoice: InvoiceLike, failed: EventLike) -> CustomerState:
    reason = str(failed.detail.get("reason") or "").strip()
    status = str(failed.detail.get("status") or "").strip()
    why = reason or status
    details = [Text(f"Bankens svar: {why}", f"The bank's answer: {why}")] if why else []
    details.append(
        Text(
            "Fakturaen er bogført, men ikke betalt; kreditorteamet følger op.",
            "The invoice is posted but not paid; the creditor team follows it up.",
        )
    )
    da, en = LABELS[PAYMENT_FAILED]
    return CustomerState(PAYMENT_FAILED, da, en, tuple(details), invoice.erp_document_no)


def customer_state(
    invoice: InvoiceLike, events: Sequence[EventLike], findings: Sequence[FindingLike] = ()
) -> CustomerState:
    """The invoice's state as its customer is told it (``events`` oldest first)."""
    paid: list[EventLike] = []  # the payments since the last failed one
    failed: EventLike | None = None
    for e in events:
        if e.kind == PAYMENT_FAILED:
            paid, failed = [], e
        elif e.kind == PAID:
            paid.append(e)
    if paid:
        return _paid(invoice, paid[-1], paid)
    if failed is not None:
        return _failed(invoice, failed)
    state = invoice.state
    if state == "posted":
        number = invoice.erp_document_no
        da, en = LABELS[POSTED]
        if number:
            da, en = f"Bogført (bilag {number})", f"Posted (ERP document {number})"
        return CustomerState(POSTED, da, en, erp_document_no=number)
    if state == "returned":
        returning = [f for f in findings if f.disposition == "return"] or list(findings)
        da, en = LABELS[RETURNED]
        return CustomerState(RETURNED, da, en, _findings_lines(returning, with_action=True))
    if state == "held":
        holds = [f for f in findings if f.disposition == "hold"] or list(findings)
        key = WAITING if any(waits_for_customer(f) for f in holds) else CHECKING
        da, en = LABELS[key]
        if key == CHECKING:
            da, en = "Under kontrol hos kreditorteamet", "Being checked by the creditor team"
        return CustomerState(key, da, en, _findings_lines(holds, with_action=False))
    if state == "received":
        da, en = LABELS[RECEIVED]
        return CustomerState(RECEIVED, da, en)
    details: tuple[Text, ...] = ()
    if any(e.kind in _DECIDED for e in events):
        details = (
            Text(
                "Kreditorteamet har taget stilling; robotten udfører det ved næste kørsel.",
                "The creditor team has decided; the robot carries it out at its next run.",
            ),
        )
    da, en = LABELS[CHECKING]
    return CustomerState(CHECKING, da, en, details)


@dataclass(frozen=True, slots=True)
class OnTimeShare:
    """Paid invoices of one customer and supplier, and how many were paid by their due date."""

    customer_id: str | None
    supplier_key: str | None
    supplier_name: str | None
    paid: int
    on_time: int
    without_due_date: int

    @property
    def share(self) -> Decimal | None:
        """The share paid on time of those with a due date (None when none has one)."""
        dated = self.paid - self.without_due_date
        return None if dated <= 0 else (Decimal(self.on_time) / Decimal(dated)).quantize(Decimal("0.0001"))


def on_time_shares(session: Session, *, customer_id: str | None = None) -> list[OnTimeShare]:
    """The share paid on time per customer and supplier, from the ``paid`` events.

    An invoice counts once, paid on its last payment's booking date, unless a ``payment-failed``
    came after that payment. Empty when nothing is paid (the bank matching has not run yet).
    """
    booked = Event.detail["booking_date"].as_string()
    scope = (
        []
        if customer_id is None
        else [Event.invoice_id.in_(select(InvoiceRow.id).where(InvoiceRow.customer_id == customer_id))]
    )
    paid = (
        select(Event.invoice_id, func.max(booked).label("paid_on"), func.max(Event.id).label("last"))
        .where(Event.kind == PAID, *scope)
        .group_by(Event.invoice_id)
        .subquery()
    )
    failed = (
        select(Event.invoice_id, func.max(Event.id).label("last"))
        .where(Event.kind == PAYMENT_FAILED, *scope)
        .group_by(Event.invoice_id)
        .subquery()
    )
    due = InvoiceRow.due_date
    if session.get_bind().dialect.name == "postgresql":
        in_time = cast(paid.c.paid_on, Date) <= due
    else:  # SQLite keeps dates as ISO text
        in_time = paid.c.paid_on <= cast(due, String)
    query = (
        select(
            InvoiceRow.customer_id,
            InvoiceRow.supplier_key,
            func.max(InvoiceRow.supplier_name),
            func.count(),
            func.sum(case((and_(due.is_not(None), in_time), 1), else_=0)),
            func.sum(case((due.is_(None), 1), else_=0)),
        )
        .join(paid, paid.c.invoice_id == InvoiceRow.id)
        .outerjoin(failed, failed.c.invoice_id == InvoiceRow.id)
        .where(or_(failed.c.last.is_(None), failed.c.last < paid.c.last))
        .group_by(InvoiceRow.customer_id, InvoiceRow.supplier_key)
        .order_by(InvoiceRow.customer_id, InvoiceRow.supplier_key)
    )
    if customer_id is not None:
        query = query.where(InvoiceRow.customer_id == customer_id)
    return [
        OnTimeShare(c, k, n, int(total), int(ok or 0), int(undated or 0))
        for c, k, n, total, ok, undated in session.execute(query)
    ]
