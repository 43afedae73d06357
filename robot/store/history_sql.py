"""The statements :class:`robot.store.history.StoreHistory` asks the duplicate history with.

A chunk of invoices' questions (same supplier and number, folded number, amount; the same bytes)
is one statement of constant shape: on SQLite each list is an expanding parameter; on PostgreSQL
each list is one array parameter (:data:`PG_BY_ARRAYS`), so its text never changes, the driver
prepares it and the server plans it once, and each arm is a join on its index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Numeric, String, and_, any_, bindparam, func, or_, select, tuple_, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from robot.store.queries import HISTORY_COLUMNS
from robot.store.schema import Document, InvoiceRow, InvoiceState

_UNDECIDED = (InvoiceState.RECEIVED, InvoiceState.READ)


_DECIDED = (
    select(*HISTORY_COLUMNS, InvoiceRow.number_normalised, InvoiceRow.number_canonical)
    .join(Document, Document.id == InvoiceRow.document_id)
    .where(InvoiceRow.state.notin_(_UNDECIDED))
    .where(InvoiceRow.supplier_key.is_not(None), InvoiceRow.invoice_number.is_not(None))
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


def as_arrays(params: dict[str, list[Any]], shas: list[str]) -> dict[str, list[Any]]:
    """:data:`PG_BY_ARRAYS`' parameters: each list of pairs as two arrays."""
    values: dict[str, list[Any]] = {"unfolded": params["unfolded"], "shas": shas}
    for name in ("numbers", "canonicals", "payables"):
        pairs = params[name]
        values[f"{name}_s"], values[f"{name}_v"] = [p[0] for p in pairs], [p[1] for p in pairs]
    return values


def _pg_pairs(name: str, column: Any, kind: Any) -> Any:
    """The decided invoices whose (supplier, ``column``) is one of the pairs of two arrays."""
    pairs = (
        func.unnest(bindparam(f"{name}_s", type_=ARRAY(String)), bindparam(f"{name}_v", type_=ARRAY(kind)))
        .table_valued("s", "v", name=f"asked_{name}")
        .render_derived()
    )
    return _DECIDED.join(pairs, and_(pairs.c.s == _SUPPLIER, column == pairs.c.v))


#: PostgreSQL: the same questions, every list one array parameter (see the module)
PG_BY_ARRAYS = union_all(
    _pg_pairs("numbers", InvoiceRow.number_normalised, String),
    _pg_pairs("canonicals", InvoiceRow.number_canonical, String),
    _pg_pairs("payables", InvoiceRow.payable, Numeric),
    _DECIDED.where(
        any_(bindparam("unfolded", type_=ARRAY(String))) == _SUPPLIER, InvoiceRow.number_canonical.is_(None)
    ),
    _DECIDED.where(Document.sha256 == any_(bindparam("shas", type_=ARRAY(String)))),
)
