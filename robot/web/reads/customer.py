"""What a customer's own user reads: its invoices, one invoice's state and journey, its notice.

Every query here carries ``customer_id == :customer`` itself (never a filter the caller may leave
out): an invoice of another institution is not found, exactly as one that does not exist (None).
The list pages newest first by keyset (``customer_id = :c AND id < :after ORDER BY id DESC``, the
index ``ix_invoices_customer (customer_id, id)``); the states of a page's rows come from two
queries over the page's ids. What the customer is shown of the journey is in plain words; claims,
leases, errors, run numbers and the creditor team's comments are left out.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from robot.processing import event_detail
from robot.processing.customer_state import CustomerState, customer_state, longday
from robot.store.schema import Event, FindingRow, InvoiceRow, NoticeRow
from robot.web.reads.matching import between, by_number_and_supplier
from robot.web.reads.paging import Page, page_of

if TYPE_CHECKING:
    from robot.store.repo import Store

PAGE = 50
R = TypeVar("R")  # a page row, as the caller makes it
#: the events a customer is told of, in its words (any other kind is internal and left out)
JOURNEY: dict[str, tuple[str, str]] = {
    "received": ("Fakturaen er modtaget", "The invoice was received"),
    "classified": ("Fakturaen er kontrolleret", "The invoice was checked"),
    "held": ("Fakturaen er stillet i bero til afklaring", "The invoice was put on hold to be clarified"),
    "released": ("Kreditorteamet har godkendt fakturaen", "The creditor team approved the invoice"),
    "returned-by-hand": ("Kreditorteamet har afvist fakturaen", "The creditor team rejected the invoice"),
    "posted": ("Fakturaen er bogført", "The invoice was posted"),
    "returned": ("Fakturaen er sendt retur til leverandøren", "The invoice was returned to the supplier"),
    "notice-sent": ("I har fået besked om returneringen", "You were sent a notice of the return"),
    "paid": ("Fakturaen er betalt", "The invoice was paid"),
    "payment-failed": ("Betalingen mislykkedes", "The payment failed"),
}
#: what the state needs of the journey (the list reads only these kinds)
STATE_KINDS = ("paid", "payment-failed", "held", "released", "returned-by-hand", "retry")


@dataclass(frozen=True, slots=True)
class MyQuery:
    number: str | None = None
    supplier: str | None = None  # a CVR, or part of the name
    issued_from: date | None = None
    issued_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    after: int | None = None


@dataclass(frozen=True, slots=True)
class MyRow:
    invoice_id: int
    invoice_number: str | None
    supplier_name: str | None
    issue_date: date | None
    due_date: date | None
    payable: Decimal | None
    currency: str | None
    state: CustomerState


MyPage = Page[MyRow]


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    da: str
    en: str


@dataclass(frozen=True, slots=True)
class MyNotice:
    notice_id: int
    subject: str
    text: str
    sent_at: datetime | None
    sent: bool
    files: tuple[str, ...]  # the attachments' names, by index


@dataclass(frozen=True, slots=True)
class MyInvoice:
    row: MyRow
    supplier_key: str | None
    received_at: datetime
    erp_document_no: str | None
    journey: tuple[Step, ...]
    notice: MyNotice | None


@dataclass(frozen=True, slots=True)
class NoticeFile:
    name: str
    mime: str
    content: bytes


def customer_invoices(customer_id: str, number: str | None, supplier: str | None) -> Select[InvoiceRow]:
    """The customer's invoices, of the invoice number ``number`` (compared normalised) and of the
    supplier ``supplier`` (a CVR, or part of the name), each when given: the search the customer
    pages and the status API share (:mod:`robot.web.reads.matching`)."""
    query = select(InvoiceRow).where(InvoiceRow.customer_id == customer_id)
    return by_number_and_supplier(query, number, supplier)


def my_invoices(store: Store, customer_id: str, q: MyQuery, *, limit: int = PAGE) -> MyPage:
    """One page of the customer's invoices matching ``q``, newest first."""
    query = customer_invoices(customer_id, q.number, q.supplier)
    query = between(query, InvoiceRow.issue_date, q.issued_from, q.issued_to)
    query = between(query, InvoiceRow.payable, q.amount_min, q.amount_max)
    if q.after is not None:
        query = query.where(InvoiceRow.id < q.after)
    return newest_with_journeys(store, query, limit, _row)


def newest_with_journeys(
    store: Store,
    query: Select[InvoiceRow],
    limit: int,
    make: Callable[[InvoiceRow, list[Event], list[FindingRow]], R],
) -> Page[R]:
    """One page of ``query``'s invoices, newest first, each made into a row by ``make`` from the
    invoice, the events its state is read from and its findings (three queries for the page);
    and the id the next page continues after (None on the last page). The customer pages and
    the status API list invoices this one way."""
    with store.sessions() as s:
        read = list(s.scalars(query.order_by(InvoiceRow.id.desc()).limit(limit + 1)))
        found, next_after = page_of(read, limit, lambda r: r.id)
        ids = [r.id for r in found]
        events = _by_invoice(
            s.scalars(
                select(Event).where(Event.invoice_id.in_(ids), Event.kind.in_(STATE_KINDS)).order_by(Event.id)
            )
        )
        findings = _by_invoice(s.scalars(select(FindingRow).where(FindingRow.invoice_id.in_(ids))))
        rows = tuple(make(r, events.get(r.id, []), findings.get(r.id, [])) for r in found)
    return Page(rows, next_after)


def _by_invoice(items: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for item in items:
        out.setdefault(int(item.invoice_id), []).append(item)
    return out


def _row(r: InvoiceRow, events: Sequence[Event], findings: Sequence[FindingRow]) -> MyRow:
    state = customer_state(r, events, findings)
    return MyRow(
        r.id, r.invoice_number, r.supplier_name, r.issue_date, r.due_date, r.payable, r.currency, state
    )


def _step(e: Event) -> Step:
    da, en = JOURNEY[e.kind]
    detail = e.detail or {}
    if e.kind == "posted" and detail.get("erp_document_no"):
        number = str(detail["erp_document_no"])
        da, en = f"{da} (bilag {number})", f"{en} (ERP document {number})"
    elif e.kind == "paid":
        paid = event_detail.day(detail.get("booking_date"))
        if paid is not None:
            da, en = f"{da} {longday(paid, 'da')}", f"{en} on {longday(paid, 'en')}"
    return Step(e.at, da, en)


def invoice_of(
    s: Session, customer_id: str, invoice_id: int
) -> tuple[InvoiceRow, list[Event], list[FindingRow]] | None:
    """The customer's invoice with its events and findings, each in order; None if it is not theirs
    (the one invoice read of the customer pages and the status API)."""
    r = s.scalar(select(InvoiceRow).where(InvoiceRow.id == invoice_id, InvoiceRow.customer_id == customer_id))
    if r is None:
        return None
    events = list(s.scalars(select(Event).where(Event.invoice_id == r.id).order_by(Event.id)))
    findings = list(
        s.scalars(select(FindingRow).where(FindingRow.invoice_id == r.id).order_by(FindingRow.id))
    )
    return r, events, findings


def my_invoice(store: Store, customer_id: str, invoice_id: int) -> MyInvoice | None:
    """The customer's invoice with its state, journey and notice; None if it is not theirs."""
    with store.sessions() as s:
        found = invoice_of(s, customer_id, invoice_id)
        if found is None:
            return None
        r, events, findings = found
        notice = _notice(s.get(NoticeRow, r.notice_id) if r.notice_id else None, customer_id)
        journey = tuple(_step(e) for e in events if e.kind in JOURNEY)
        return MyInvoice(
            _row(r, events, findings), r.supplier_key, r.received_at, r.erp_document_no, journey, notice
        )


def _notice(n: NoticeRow | None, customer_id: str) -> MyNotice | None:
    if n is None or n.customer_id != customer_id:
        return None
    files = tuple(str(f.get("name") or f"file-{i + 1}") for i, f in enumerate(_files(n)))
    return MyNotice(n.id, n.subject, n.body_text, n.sent_at, n.state == "sent", files)


def _files(n: NoticeRow) -> list[dict[str, Any]]:
    files = (n.attachments or {}).get("files") or []
    return [f for f in files if isinstance(f, dict)]


def notice_file(store: Store, customer_id: str, invoice_id: int, index: int) -> NoticeFile | None:
    """Attachment ``index`` of the notice the customer's invoice was sent; None if there is none."""
    with store.sessions() as s:
        n = s.scalar(
            select(NoticeRow)
            .join(InvoiceRow, InvoiceRow.notice_id == NoticeRow.id)
            .where(
                InvoiceRow.id == invoice_id,
                InvoiceRow.customer_id == customer_id,
                NoticeRow.customer_id == customer_id,
            )
        )
        files = _files(n) if n is not None else []
    if not 0 <= index < len(files):
        return None
    f = files[index]
    try:
        content = base64.b64decode(str(f.get("b64") or ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    return NoticeFile(str(f.get("name") or f"file-{index + 1}"), str(f.get("mime") or ""), content)
