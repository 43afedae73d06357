"""A trigram index on invoices.supplier_name for the console's search by part of a name (PostgreSQL)

``/search?supplier=<part of a name>`` is ``supplier_name ILIKE '%x%'``; without this index a name
that matches nothing scans every invoice (335 ms at 1,000,000 invoices), with it 0.1 ms. It needs
the ``pg_trgm`` extension: created if missing and allowed; if the robot's database role may not
create it, the index is left out (the search still works, only slower for rare names) and a
warning says so. SQLite: nothing (its LIKE cannot use an index for a ``%x%`` pattern anyway).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from loguru import logger

revision = "0007"
down_revision = "0006"

INDEX = "ix_invoices_supplier_name_trgm"


def _trgm_schema(bind: sa.Connection) -> str | None:
    """The schema pg_trgm is installed in (its operator class lives there), or None."""
    found = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).first()
    return None if found is None else str(found[0])


def _create_trgm(bind: sa.Connection) -> None:
    # in public when there is one (not in the store's own schema, where dropping the schema would
    # take the extension and every other schema's trigram indexes with it)
    public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).first()
    bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" SCHEMA public" if public else "")))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if _trgm_schema(bind) is None:
        try:
            with bind.begin_nested():  # a refusal must not abort the migration's transaction
                _create_trgm(bind)
        except sa.exc.DBAPIError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            logger.warning(
                "no trigram index for the supplier-name search: cannot create extension pg_trgm ({}); "
                "a database administrator can run CREATE EXTENSION pg_trgm and then "
                "CREATE INDEX {} ON invoices USING gin (supplier_name gin_trgm_ops)",
                reason,
                INDEX,
            )
            return
    op.create_index(
        INDEX,
        "invoices",
        ["supplier_name"],
        postgresql_using="gin",
        postgresql_ops={
            "supplier_name": f'"{_trgm_schema(bind)}".gin_trgm_ops'
        },  # search_path may not see it
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {INDEX}"))
