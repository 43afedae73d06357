"""invoice_error_types: an invoice's error types one row per code, for an exact filter

``invoices.error_types`` (the codes comma-joined, ``"OTH,PAY"``) stays as every report shows it;
``held --error-type PAY`` now looks the code up here instead of matching a part of that text.
The rows are filled from ``invoices.error_types`` of every existing invoice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robot.store.migrations.columns import ID
from robot.store.migrations.steps import create_table, drop_table

revision = "0005"
down_revision = "0004"

INDEXES = {"ix_invoice_error_types_code": ["code", "invoice_id"]}


def upgrade() -> None:
    table = create_table(
        "invoice_error_types",
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("invoice_id", "code"),
        indexes=INDEXES,
    )
    invoices = sa.table("invoices", sa.column("id", ID), sa.column("error_types", sa.String(128)))
    found = op.get_bind().execute(
        sa.select(invoices.c.id, invoices.c.error_types).where(invoices.c.error_types.is_not(None))
    )
    rows = [
        {"invoice_id": invoice_id, "code": code}
        for invoice_id, joined in found
        for code in dict.fromkeys(c.strip() for c in joined.split(","))
        if code
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    drop_table("invoice_error_types", INDEXES)
