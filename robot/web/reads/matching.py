"""How an invoice is found by its number, its supplier or a range of a column (a date, an amount),
as the search, the customer's pages and the status API all find it.

The number is matched as the store keeps it (:func:`classifiers.keys.normalise_invoice_number`:
case and spaces ignored), along ``ix_invoices_number``; a supplier by its CVR (the store's
``supplier_key``, along ``ix_invoices_supplier_id``) or else by a part of its name without case
(``ILIKE``, on PostgreSQL along 0007's trigram index), ``%`` and ``_`` in the text matched as
themselves.

    query = by_number_and_supplier(select(InvoiceRow), q.number, q.supplier)
    query = between(query, InvoiceRow.payable, q.amount_min, q.amount_max)
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select

from classifiers.keys import cvr_of, normalise_invoice_number
from robot.store.schema import InvoiceRow

Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")


def like_pattern(text: str) -> str:
    """``text`` anywhere, for ``LIKE ... ESCAPE '\\'``: its ``%``, ``_`` and ``\\`` as themselves.

    >>> like_pattern("50%_off")
    '%50\\\\%\\\\_off%'
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def number_is(number: str) -> ColumnElement[bool]:
    """The invoices of this number, as the store normalises it."""
    return InvoiceRow.number_normalised == normalise_invoice_number(number)[:128]


def supplier_is(text: str) -> ColumnElement[bool]:
    """The invoices of a supplier given by its CVR, else by a part of its name (without case)."""
    cvr = cvr_of(text.strip())
    if cvr is not None:
        return InvoiceRow.supplier_key == cvr
    return InvoiceRow.supplier_name.ilike(like_pattern(text.strip()[:256]), escape="\\")


def by_number_and_supplier(query: Query, number: str | None, supplier: str | None) -> Query:
    """``query`` narrowed to the number and the supplier, each when given (not blank)."""
    if number and number.strip():
        query = query.where(number_is(number))
    if supplier and supplier.strip():
        query = query.where(supplier_is(supplier))
    return query


def between(query: Query, column: Any, low: Any | None, high: Any | None) -> Query:
    """``query`` narrowed to ``low <= column <= high``, each end when given (a date, an amount)."""
    if low is not None:
        query = query.where(column >= low)
    if high is not None:
        query = query.where(column <= high)
    return query
