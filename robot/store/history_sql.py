"""The statements :class:`robot.store.history.StoreHistory` asks the duplicate history with.

A chunk of invoices' questions (same supplier and number, folded number, amount; the same bytes)
is one statement of constant shape, compiled once, each list an expanding parameter. The values
are in the text the server plans, so PostgreSQL plans each chunk with what it knows of them (an
invoice number or an amount that thousands of suppliers share is looked up by supplier first). A
statement of array parameters, prepared and planned once, was 3 ms a batch faster with 5,000,000
earlier invoices (13 ms against 16) but chose its indexes without knowing the values.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, or_, tuple_, union_all

from robot.store.queries import decided_history
from robot.store.schema import Document, InvoiceRow

_DECIDED = decided_history(InvoiceRow.number_normalised, InvoiceRow.number_canonical).where(
    InvoiceRow.supplier_key.is_not(None)
)
_SUPPLIER = InvoiceRow.supplier_key
#: a chunk's questions in one statement of constant shape (compiled once; each list a parameter)
BY_KEYS = _DECIDED.where(
    or_(
        tuple_(_SUPPLIER, InvoiceRow.number_normalised).in_(bindparam("numbers", expanding=True)),
        tuple_(_SUPPLIER, InvoiceRow.number_canonical).in_(bindparam("canonicals", expanding=True)),
        tuple_(_SUPPLIER, InvoiceRow.payable).in_(bindparam("payables", expanding=True)),
        # rows stored without a folded number (before 0013 filled it)
        and_(_SUPPLIER.in_(bindparam("unfolded", expanding=True)), InvoiceRow.number_canonical.is_(None)),
    )
)
BY_SHA = _DECIDED.where(Document.sha256.in_(bindparam("shas", expanding=True)))
BOTH = union_all(BY_KEYS, BY_SHA)
