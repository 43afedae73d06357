"""The unmatched payments page's reads: payments the robot matched to no invoice or to several,
newest first, each with the invoices it could be (robot.store.payments records them).

Paged by keyset (``id < :before ORDER BY id DESC LIMIT n+1``) along ``ix_payments_status``
(status, id); the candidates are read for the page's payments only, from the invoices as they are
now (one ``IN`` query), so a candidate shows its current number, supplier and state. A person
limited to one customer sees only that customer's candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from robot.store.payments import OPEN
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, PaymentRow
from robot.web.reads.paging import page_of

PAGE = 50


@dataclass(frozen=True, slots=True)
class CandidateView:
    invoice_id: int
    why: str
    invoice_number: str | None
    supplier_name: str | None
    customer_id: str | None
    payable: Decimal | None
    remaining: Decimal | None  # at matching time
    currency: str | None
    state: str | None


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    status: str
    direction: str
    amount: Decimal | None
    currency: str | None
    booking_date: date | None
    bank_reference: str | None
    end_to_end_id: str | None
    creditor_reference: str | None
    referred_document_number: str | None
    remittance_text: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    reason: str | None
    candidates: tuple[CandidateView, ...]


@dataclass(frozen=True, slots=True)
class PaymentsPage:
    payments: tuple[PaymentView, ...]
    total: int
    older: int | None  # the ``before`` of the next page, None on the last


def _decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def unmatched(
    store: Store, *, before: int | None = None, limit: int = PAGE, only_customer: str | None = None
) -> PaymentsPage:
    """One page of unmatched and ambiguous payments, newest first."""
    query = select(PaymentRow).where(PaymentRow.status.in_(OPEN))
    if before is not None:
        query = query.where(PaymentRow.id < before)
    with store.sessions() as s:
        read = list(s.scalars(query.order_by(PaymentRow.id.desc()).limit(limit + 1)))
        rows, older = page_of(read, limit, lambda r: r.id)
        total = int(s.scalar(select(func.count()).where(PaymentRow.status.in_(OPEN))) or 0)
        wanted = {int(c["invoice_id"]) for r in rows for c in r.candidates.get("invoices", [])}
        invoices = {
            i.id: i for i in s.scalars(select(InvoiceRow).where(InvoiceRow.id.in_(wanted)))
        } if wanted else {}  # fmt: skip
    views = []
    for r in rows:
        candidates = []
        for c in r.candidates.get("invoices", []):
            invoice = invoices.get(int(c["invoice_id"]))
            if invoice is None or (only_customer is not None and invoice.customer_id != only_customer):
                continue
            candidates.append(
                CandidateView(
                    invoice.id,
                    str(c.get("why") or ""),
                    invoice.invoice_number,
                    invoice.supplier_name,
                    invoice.customer_id,
                    invoice.payable,
                    _decimal(c.get("remaining")),
                    invoice.currency,
                    invoice.state,
                )
            )
        views.append(
            PaymentView(
                r.id,
                r.status,
                r.direction,
                r.amount,
                r.currency,
                r.booking_date,
                r.bank_reference,
                r.end_to_end_id,
                r.creditor_reference,
                r.referred_document_number,
                r.remittance_text,
                r.counterparty_name,
                r.counterparty_account,
                r.reason,
                tuple(candidates),
            )
        )
    return PaymentsPage(tuple(views), total, older)
