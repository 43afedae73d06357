"""The statement that writes a batch's decisions into the invoice rows on PostgreSQL
(:meth:`robot.store.decisions.Decisions.apply_many`).

The invoices of a batch that write the same columns are one ``UPDATE invoices SET ... FROM
unnest(:ids, :col1, ...) AS v WHERE invoices.id = v.id``: every column an array parameter, so the
server plans and starts one statement for the batch instead of one per invoice. Built once per
set of columns (SQLAlchemy caches the compiled form by that shape). Columns of a type PostgreSQL's
arrays do not carry as such (JSON) are written one row at a time, as on SQLite.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import JSON, BigInteger, Table, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY

from robot.store.schema import InvoiceRow


def _table() -> Table:
    table = InvoiceRow.__table__
    assert isinstance(table, Table)
    return table


def arrays_carry(columns: tuple[str, ...]) -> bool:
    """Whether every column can be sent as an array parameter (no JSON)."""
    table = _table()
    return not any(isinstance(table.c[name].type, JSON) for name in columns)


@cache
def batch_update(columns: tuple[str, ...]) -> Any:
    """``UPDATE invoices ... FROM unnest(...)`` for ``columns``; parameters ``ids`` and ``a_<column>``
    (one list each, in the same order)."""
    table = _table()
    rows = (
        func.unnest(
            bindparam("ids", type_=ARRAY(BigInteger)),
            *(bindparam(f"a_{name}", type_=ARRAY(table.c[name].type)) for name in columns),
        )
        .table_valued("id", *columns, name="v")
        .render_derived()
    )
    return update(table).where(table.c.id == rows.c.id).values({name: rows.c[name] for name in columns})


def batch_params(columns: tuple[str, ...], rows: list[tuple[int, dict[str, Any]]]) -> dict[str, list[Any]]:
    """:func:`batch_update`'s parameters for ``rows`` (invoice id, its values of ``columns``)."""
    params: dict[str, list[Any]] = {"ids": [invoice_id for invoice_id, _ in rows]}
    for name in columns:
        params[f"a_{name}"] = [values[name] for _, values in rows]
    return params
