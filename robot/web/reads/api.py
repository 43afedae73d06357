"""What the status API reads (``/api/v1/invoices``): one customer's invoices, each with its state,
journey and reason codes.

The same reads as the customer's own pages, in data: the state is
:func:`robot.processing.customer_state.customer_state`, the journey's words are those of
:mod:`robot.web.reads.customer` (only the kinds a customer is told of; no claims, leases, errors,
runs or comments). Every query carries ``customer_id == :customer`` itself: another customer's
invoice is not found, exactly as one that does not exist (None). The list pages newest first by
keyset (``customer_id = :c AND id < :after ORDER BY id DESC LIMIT n+1``, the index
``ix_invoices_customer (customer_id, id)``); a page's states come from two queries over its ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from classifiers.keys import cvr_of
from robot.processing.customer_state import CustomerState, customer_state
from robot.store.schema import ErrorTypeRow, Event, FindingRow, InvoiceRow, error_type_codes
from robot.web.reads.customer import (
    JOURNEY,
    Step,
    _step,
    customer_invoices,
    invoice_of,
    newest_with_journeys,
)
from robot.web.reads.paging import Page, bounded

if TYPE_CHECKING:
    from robot.store.repo import Store

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class ApiQuery:
    number: str | None = None
    supplier: str | None = None  # a CVR, or part of the name
    since: datetime | None = None  # received at or after
    after: int | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Summary:
    invoice_id: int
    number: str | None
    supplier_name: str | None
    supplier_cvr: str | None
    issue_date: date | None
    due_date: date | None
    amount: Decimal | None
    currency: str | None
    received_at: datetime
    state: CustomerState


@dataclass(frozen=True, slots=True)
class Code:
    """One finding's Invoice Response codes (status, reason = error type, action)."""

    status: str
    reason: str
    action: str


@dataclass(frozen=True, slots=True)
class Journey:
    kind: str
    step: Step


@dataclass(frozen=True, slots=True)
class Detail:
    summary: Summary
    journey: tuple[Journey, ...]
    error_types: tuple[str, ...]
    codes: tuple[Code, ...]


ListPage = Page[Summary]


def _summary(r: InvoiceRow, events: Sequence[Event], findings: Sequence[FindingRow]) -> Summary:
    return Summary(
        r.id,
        r.invoice_number,
        r.supplier_name,
        cvr_of(r.supplier_key or ""),
        r.issue_date,
        r.due_date,
        r.payable,
        r.currency,
        r.received_at,
        customer_state(r, events, findings),
    )


def invoices(store: Store, customer_id: str, q: ApiQuery) -> ListPage:
    """One page (``q.limit``, at most :data:`MAX_LIMIT`) of the customer's invoices, newest first."""
    limit = bounded(q.limit, MAX_LIMIT)
    query = customer_invoices(customer_id, q.number, q.supplier)
    if q.since is not None:
        query = query.where(InvoiceRow.received_at >= q.since)
    if q.after is not None:
        query = query.where(InvoiceRow.id < q.after)
    return newest_with_journeys(store, query, limit, _summary)


def invoice(store: Store, customer_id: str, invoice_id: int) -> Detail | None:
    """The customer's invoice with its state, journey and reason codes; None if it is not theirs."""
    with store.sessions() as s:
        found = invoice_of(s, customer_id, invoice_id)
        if found is None:
            return None
        r, events, findings = found
        types = s.scalars(
            select(ErrorTypeRow.code).where(ErrorTypeRow.invoice_id == r.id).order_by(ErrorTypeRow.code)
        )
        error_types = tuple(types) or error_type_codes(r.error_types)
        journey = tuple(Journey(e.kind, _step(e)) for e in events if e.kind in JOURNEY)
        codes = tuple(dict.fromkeys(Code(f.status, f.reason, f.action) for f in findings))
        return Detail(_summary(r, events, findings), journey, error_types, codes)
