"""What the *Hold queue* page reads: the held invoices a person works, due first, a page at a time.

Order: due date (the ones without one last), then id. Paging is by key, never by OFFSET: a page
ends with the key of its last row (:attr:`HoldPage.next_key`, ``d2026-12-01.123`` or ``n123``), and
the next page starts after it, so page 2,000 costs what page 1 costs. The dated and the undated
invoices are read by two index-friendly queries (``due_date, id`` after the key, then ``id`` among
the undated), each ``LIMIT`` one more than a page to know whether another follows.

Filters: customer (without case, as ``held --customer``), error type (one code, matched exactly in
``invoice_error_types``), rule (a finding code that holds the invoice), supplier (a CVR: that
supplier key; else a supplier key exactly or part of the name without case), due before a day,
amount at least / at most, and assigned to a person (:data:`UNASSIGNED` for no one). A user
restricted to one customer sees only that customer's invoices, whatever the filter says.

Each row carries its hold reasons (the findings with disposition ``hold``) and its standing (an
approval waiting for a second person: :func:`robot.store.holds.standing`), read for the page's
rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import load_only

from classifiers.keys import cvr_of
from robot.store.holds import Standing
from robot.store.schema import ErrorTypeRow, FindingRow, InvoiceRow, InvoiceState
from robot.web.reads.paging import bounded, page_of
from robot.web.reads.scope import of_customer

if TYPE_CHECKING:
    from robot.store.repo import Store

PAGE = 50
MAX_PAGE = 200
#: ``assigned_to`` filter value for the invoices given to no one.
UNASSIGNED = "-"


@dataclass(frozen=True, slots=True)
class HoldFilter:
    """The hold queue's filters (empty: all held invoices the user may see)."""

    customer: str | None = None
    error_type: str | None = None
    rule: str | None = None
    supplier: str | None = None
    due_before: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    assigned_to: str | None = None


@dataclass(frozen=True, slots=True)
class HoldReason:
    """A finding that holds the invoice."""

    code: str
    field: str | None
    message_da: str
    message_en: str


@dataclass(frozen=True, slots=True)
class HoldRow:
    id: int
    invoice_number: str | None
    source_ref: str
    customer_id: str | None
    supplier_key: str | None
    supplier_name: str | None
    due_date: date | None
    payable: Decimal | None
    currency: str | None
    error_types: str | None
    received_at: datetime
    assigned_to: str | None
    days_overdue: int  # 0: not overdue (or no due date)
    due_today: bool
    reasons: tuple[HoldReason, ...] = ()
    standing: Standing | None = None

    @property
    def overdue_da(self) -> str:
        """``3 dage over forfald`` / ``forfalder i dag`` / empty."""
        if self.days_overdue:
            return f"{self.days_overdue} {'dag' if self.days_overdue == 1 else 'dage'} over forfald"
        return "forfalder i dag" if self.due_today else ""

    @property
    def overdue_en(self) -> str:
        """``3 days overdue`` / ``due today`` / empty."""
        if self.days_overdue:
            return f"{self.days_overdue} {'day' if self.days_overdue == 1 else 'days'} overdue"
        return "due today" if self.due_today else ""


@dataclass(frozen=True, slots=True)
class HoldPage:
    rows: list[HoldRow]
    next_key: str | None  # None: this is the last page


def parse_key(key: str | None) -> tuple[date | None, int] | None:
    """A page key (``d2026-12-01.123``, ``n123``) back to (due date, id); None if it is not one."""
    if not key:
        return None
    try:
        if key.startswith("n"):
            return None, int(key[1:])
        if key.startswith("d"):
            day, _, ident = key[1:].partition(".")
            return date.fromisoformat(day), int(ident)
    except ValueError:
        return None
    return None


def make_key(due: date | None, invoice_id: int) -> str:
    return f"n{invoice_id}" if due is None else f"d{due.isoformat()}.{invoice_id}"


def _conditions(filters: HoldFilter, only_customer: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [InvoiceRow.state == InvoiceState.HELD]
    for customer in (only_customer, filters.customer):
        if customer and customer.strip():
            wanted = customer.strip()  # ids are written in capitals; the filter takes any case
            where.append(InvoiceRow.customer_id.in_(sorted({wanted, wanted.upper(), wanted.lower()})))
    if filters.error_type and filters.error_type.strip():
        coded = select(ErrorTypeRow.invoice_id).where(ErrorTypeRow.code == filters.error_type.strip().upper())
        where.append(InvoiceRow.id.in_(coded))
    if filters.rule and filters.rule.strip():
        holding = select(FindingRow.invoice_id).where(  # along ix_findings_code_hold
            FindingRow.code == filters.rule.strip().upper(), FindingRow.disposition == "hold"
        )
        where.append(InvoiceRow.id.in_(holding))
    if filters.supplier and filters.supplier.strip():
        text = filters.supplier.strip()
        cvr = cvr_of(text)
        if cvr is not None:  # a CVR is a key: matched along ix_invoices_supplier_id, no name scan
            where.append(InvoiceRow.supplier_key == cvr)
        else:
            where.append(
                or_(
                    InvoiceRow.supplier_key.in_(sorted({text, text.casefold()})),
                    InvoiceRow.supplier_name.icontains(text, autoescape=True),  # ILIKE: 0007's trigrams
                )
            )
    if filters.due_before is not None:
        where.append(InvoiceRow.due_date < filters.due_before)
    if filters.amount_min is not None:
        where.append(InvoiceRow.payable >= filters.amount_min)
    if filters.amount_max is not None:
        where.append(InvoiceRow.payable <= filters.amount_max)
    if filters.assigned_to and filters.assigned_to.strip():
        person = filters.assigned_to.strip()
        where.append(
            InvoiceRow.assigned_to.is_(None)
            if person == UNASSIGNED
            else func.lower(InvoiceRow.assigned_to) == person.lower()
        )
    return where


_COLUMNS = (
    InvoiceRow.id,
    InvoiceRow.state,
    InvoiceRow.invoice_number,
    InvoiceRow.source_ref,
    InvoiceRow.customer_id,
    InvoiceRow.supplier_key,
    InvoiceRow.supplier_name,
    InvoiceRow.due_date,
    InvoiceRow.payable,
    InvoiceRow.currency,
    InvoiceRow.error_types,
    InvoiceRow.received_at,
    InvoiceRow.assigned_to,
)


def _select(where: list[ColumnElement[bool]]) -> Select[InvoiceRow]:
    return select(InvoiceRow).options(load_only(*_COLUMNS)).where(and_(*where))


def hold_queue(
    store: Store,
    filters: HoldFilter,
    *,
    today: date,
    after: str | None = None,
    limit: int = PAGE,
    only_customer: str | None = None,
) -> HoldPage:
    """One page of the held invoices matching ``filters``, due first, after the page key ``after``."""
    limit = bounded(limit, MAX_PAGE)
    where = _conditions(filters, only_customer)
    key = parse_key(after)
    rows: list[InvoiceRow] = []
    with store.sessions() as s:
        if key is None or key[0] is not None:
            dated = [*where, InvoiceRow.due_date.is_not(None)]
            if key is not None:
                dated.append(tuple_(InvoiceRow.due_date, InvoiceRow.id) > tuple_(key[0], key[1]))
            query = _select(dated).order_by(InvoiceRow.due_date, InvoiceRow.id).limit(limit + 1)
            rows.extend(s.scalars(query))
        if len(rows) <= limit:
            undated = [*where, InvoiceRow.due_date.is_(None)]
            if key is not None and key[0] is None:
                undated.append(InvoiceRow.id > key[1])
            query = _select(undated).order_by(InvoiceRow.id).limit(limit + 1 - len(rows))
            rows.extend(s.scalars(query))
    rows, next_key = page_of(rows, limit, lambda r: make_key(r.due_date, r.id))
    reasons = _reasons(store, [r.id for r in rows])
    standings = store.standings(rows)
    page = [_row(r, today, tuple(reasons.get(r.id, ())), standings.get(r.id)) for r in rows]
    return HoldPage(page, next_key)


def count_holds(
    store: Store, filters: HoldFilter, *, today: date, only_customer: str | None = None
) -> tuple[int, int]:
    """How many held invoices match, and how many of them are overdue (one query)."""
    where = _conditions(filters, only_customer)
    late = func.coalesce(func.sum(case((InvoiceRow.due_date < today, 1), else_=0)), 0)
    with store.sessions() as s:
        total, overdue = s.execute(
            select(func.count(), late).select_from(InvoiceRow).where(and_(*where))
        ).one()
    return int(total), int(overdue)


def held_ids(store: Store, ids: list[int], only_customer: str | None = None) -> list[int]:
    """Of ``ids``, the invoices the user may act on (a restricted user: only the customer's)."""
    if not ids:
        return []
    query = select(InvoiceRow.id).where(InvoiceRow.id.in_(ids))
    if only_customer:
        query = query.where(of_customer(only_customer))
    with store.sessions() as s:
        found = set(s.scalars(query))
    return [i for i in ids if i in found]


def _reasons(store: Store, ids: list[int]) -> dict[int, list[HoldReason]]:
    if not ids:
        return {}
    query = (
        select(
            FindingRow.invoice_id,
            FindingRow.code,
            FindingRow.field,
            FindingRow.message_da,
            FindingRow.message_en,
        )
        .where(FindingRow.invoice_id.in_(ids), FindingRow.disposition == "hold")
        .order_by(FindingRow.invoice_id, FindingRow.id)
    )
    found: dict[int, list[HoldReason]] = {}
    with store.sessions() as s:
        for invoice_id, code, at, da, en in s.execute(query):
            found.setdefault(invoice_id, []).append(HoldReason(code, at, da, en))
    return found


def _row(r: InvoiceRow, today: date, reasons: tuple[HoldReason, ...], st: Standing | None) -> HoldRow:
    late = max((today - r.due_date).days, 0) if r.due_date else 0
    return HoldRow(
        id=r.id,
        invoice_number=r.invoice_number,
        source_ref=r.source_ref,
        customer_id=r.customer_id,
        supplier_key=r.supplier_key,
        supplier_name=r.supplier_name,
        due_date=r.due_date,
        payable=r.payable,
        currency=r.currency,
        error_types=r.error_types,
        received_at=r.received_at,
        assigned_to=r.assigned_to,
        days_overdue=late,
        due_today=r.due_date == today,
        reasons=reasons,
        standing=st,
    )
