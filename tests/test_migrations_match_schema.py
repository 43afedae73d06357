"""The migrations build exactly the tables, columns and indexes robot/store/schema.py declares
(Alembic's own comparison), on SQLite and PostgreSQL: an index added to one and not the other fails."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from robot.store.repo import Store
from robot.store.schema import Base

# PostgreSQL-only additions of the migrations, not expressible in the portable schema
PG_ONLY = {"ix_invoices_supplier_name_trgm"}


def _name(diff: object) -> str:
    item = diff[1] if isinstance(diff, tuple) and len(diff) > 1 else diff
    return str(getattr(item, "name", item))


def test_the_migrated_store_is_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    unexpected = [d for d in diffs if _name(d) not in PG_ONLY]
    assert unexpected == []
