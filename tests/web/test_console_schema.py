"""Migrations 0006 (users, sessions, login attempts, assigned_to, search indexes) and 0007 (the
trigram index of the supplier-name search on PostgreSQL): up, down and up again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from sqlalchemy import inspect, text

from robot.store.db import alembic_config

if TYPE_CHECKING:
    from robot.store.repo import Store

CONSOLE_TABLES = {"users", "web_sessions", "login_attempts"}


def _state(store: Store) -> tuple[set[str], set[str], bool]:
    with store.engine.connect() as conn:
        found = inspect(conn)
        tables = set(found.get_table_names())
        indexes = {i["name"] or "" for i in found.get_indexes("invoices")}
        assigned = "assigned_to" in {c["name"] for c in found.get_columns("invoices")}
    return tables, indexes, assigned


def _alembic(store: Store, action: str, revision: str) -> None:
    cfg = alembic_config(store.engine.url.render_as_string(hide_password=False))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_the_console_schema_goes_down_and_up_again(store: Store) -> None:
    tables, indexes, assigned = _state(store)
    assert tables >= CONSOLE_TABLES and assigned
    assert {"ix_invoices_assigned_to", "ix_invoices_number", "ix_invoices_received_at"} <= indexes
    assert ("ix_invoices_supplier_name_trgm" in indexes) == (store.dialect == "postgresql")
    _alembic(store, "downgrade", "0005")
    tables, indexes, assigned = _state(store)
    assert not CONSOLE_TABLES & tables and not assigned and "ix_invoices_number" not in indexes
    _alembic(store, "upgrade", "head")
    tables, indexes, assigned = _state(store)
    assert tables >= CONSOLE_TABLES and assigned


def test_postgresql_searches_part_of_a_supplier_name_by_the_trigram_index(store: Store) -> None:
    if store.dialect != "postgresql":
        return  # SQLite: no such index (LIKE '%x%' cannot use one)
    with store.engine.connect() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                text("EXPLAIN SELECT id FROM invoices WHERE supplier_name ILIKE '%tømrer%'")
            )
        )
    assert "ix_invoices_supplier_name_trgm" in plan, plan
