"""Search for invoices: by number, supplier, customer, state, dates and amount; newest first.

Paging is by keyset (``id < after``, newest first), so page 1,000 costs what page 1 does. Each
filter is one indexed condition at 1,000,000 invoices, on an index ending in ``id`` so the page
comes in order without a sort (migration 0006: ``ix_invoices_number``, ``_supplier_id``,
``_customer``, ``_state_id``, ``_issue_date``, ``_received_at``, ``_payable``; on PostgreSQL the
name search also by 0007's trigram index). The invoice number is matched as the store keeps it
(:func:`classifiers.keys.normalise_invoice_number`: case and spaces ignored), a supplier by its
CVR (the store's ``supplier_key``) or by a part of its name (case-insensitive ``ILIKE``, bounded by
the page size), a customer exactly, amounts and dates as ranges.

    page = search(store, SearchQuery(supplier="kontorland", state="held"))
    page.rows, page.next_after    # next_after: the ``after`` of the next page, None on the last
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from robot.codes import InvoiceState
from robot.store.schema import InvoiceRow
from robot.web.reads.matching import between, by_number_and_supplier
from robot.web.reads.paging import Page, bounded, page_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from robot.store.repo import Store

PAGE = 50
MAX_PAGE = 200
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
STATES: tuple[str, ...] = tuple(InvoiceState)


class QueryError(ValueError):
    """A search field that cannot be understood (the page says which, in both languages)."""

    def __init__(self, field: str, da: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field, self.da, self.en = field, da, en


@dataclass(frozen=True, slots=True)
class SearchQuery:
    number: str | None = None
    supplier: str | None = None
    customer: str | None = None
    state: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    received_from: date | None = None  # days in Europe/Copenhagen
    received_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    after: int | None = None
    limit: int = PAGE

    @property
    def empty(self) -> bool:
        """No filter given: nothing is searched (the form is shown)."""
        return not any(
            v is not None
            for v in (
                self.number,
                self.supplier,
                self.customer,
                self.state,
                self.issued_from,
                self.issued_to,
                self.received_from,
                self.received_to,
                self.amount_min,
                self.amount_max,
            )
        )


@dataclass(frozen=True, slots=True)
class SearchRow:
    invoice_id: int
    invoice_number: str | None
    supplier_name: str | None
    supplier_key: str | None
    customer_id: str | None
    state: str
    issue_date: date | None
    received_at: datetime
    payable: Decimal | None
    currency: str | None


SearchPage = Page[SearchRow]


def amount(text: str | None, field: str = "amount") -> Decimal | None:
    """An amount typed as ``1234.50``, ``1.234,50``, ``1234,5`` or ``1 234``; empty → None.

    >>> amount("1.234,50"), amount("1,234.50"), amount("99,5"), amount(" ")
    (Decimal('1234.50'), Decimal('1234.50'), Decimal('99.5'), None)
    """
    if text is None or not text.strip():
        return None
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise QueryError(field, "skal være et beløb", "must be an amount") from None
    if not result.is_finite() or abs(result) >= Decimal(10) ** 16:
        raise QueryError(field, "skal være et beløb", "must be an amount")
    return result


def day(text: str | None, field: str = "date") -> date | None:
    """An ISO date (``2026-12-01``, as a date input sends it); empty → None."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(field, "skal være en dato (ÅÅÅÅ-MM-DD)", "must be a date (YYYY-MM-DD)") from None


def form_fields(values: Mapping[str, str], names: Iterable[str]) -> dict[str, Any]:
    """The search form's fields ``names`` read from what was typed: ``*_from`` and ``*_to`` as
    days, ``amount_*`` as amounts, any other as text; an empty field is None. QueryError names a
    field that cannot be read.

    >>> form_fields({"number": " F-1 ", "issued_from": "2026-12-01", "amount_min": "1,5"},
    ...             ("number", "issued_from", "amount_min", "supplier")).values()
    dict_values(['F-1', datetime.date(2026, 12, 1), Decimal('1.5'), None])
    """
    read: dict[str, Any] = {}
    for name in names:
        typed = values.get(name, "").strip() or None
        if name.endswith(("_from", "_to")):
            read[name] = day(typed, name)
        elif name.startswith("amount_"):
            read[name] = amount(typed, name)
        else:
            read[name] = typed
    return read


def _start_of(d: date) -> datetime:
    return datetime.combine(d, time(0), COPENHAGEN).astimezone(UTC)


def _customer(value: str, known: Iterable[str]) -> str:
    """The customer id as configured (typed in any case), else as typed."""
    wanted = value.strip()
    return next((k for k in known if k.casefold() == wanted.casefold()), wanted)


COLUMNS = (
    InvoiceRow.id,
    InvoiceRow.invoice_number,
    InvoiceRow.supplier_name,
    InvoiceRow.supplier_key,
    InvoiceRow.customer_id,
    InvoiceRow.state,
    InvoiceRow.issue_date,
    InvoiceRow.received_at,
    InvoiceRow.payable,
    InvoiceRow.currency,
)


def filtered(
    q: SearchQuery, *, restrict_to: str | None = None, customers: Iterable[str] = ()
) -> Select[*tuple[Any, ...]]:
    """The search as one SELECT of :data:`COLUMNS` (newest first, one more row than a page)."""
    query = select(*COLUMNS)
    known = tuple(customers)
    if restrict_to is not None:
        query = query.where(InvoiceRow.customer_id == _customer(restrict_to, known))
    query = by_number_and_supplier(query, q.number, q.supplier)
    if q.customer and q.customer.strip():
        query = query.where(InvoiceRow.customer_id == _customer(q.customer, known))
    if q.state:
        if q.state not in STATES:
            raise QueryError("state", "er ikke en tilstand", "is not a state")
        query = query.where(InvoiceRow.state == q.state)
    query = between(query, InvoiceRow.issue_date, q.issued_from, q.issued_to)
    if q.received_from is not None:
        query = query.where(InvoiceRow.received_at >= _start_of(q.received_from))
    if q.received_to is not None:
        query = query.where(InvoiceRow.received_at < _start_of(q.received_to + timedelta(days=1)))
    query = between(query, InvoiceRow.payable, q.amount_min, q.amount_max)
    if q.after is not None:
        query = query.where(InvoiceRow.id < q.after)
    return query.order_by(InvoiceRow.id.desc()).limit(bounded(q.limit, MAX_PAGE) + 1)


def search(
    store: Store, q: SearchQuery, *, restrict_to: str | None = None, customers: Iterable[str] = ()
) -> SearchPage:
    """One page of invoices matching ``q``; ``restrict_to`` limits to one customer's invoices."""
    with store.sessions() as s:
        rows = [SearchRow(*r) for r in s.execute(filtered(q, restrict_to=restrict_to, customers=customers))]
    shown, next_after = page_of(rows, bounded(q.limit, MAX_PAGE), lambda r: r.invoice_id)
    return SearchPage(tuple(shown), next_after)
