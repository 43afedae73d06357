"""The duplicate history answered by the store (issue 17): a folded invoice number and two indexes

``invoices.number_canonical`` holds the invoice number with punctuation, leading zeros and
look-alike letters folded away (:func:`classifiers.keys.canonical_invoice_number`), so the
suspected-duplicate check "nearly the same number" is one lookup on (``supplier_key``,
``number_canonical``) instead of every number of the supplier loaded into memory. Existing rows
are filled here, in batches. ``ix_invoices_document`` finds the invoices of one document (the
same bytes received again) without scanning the invoices, and ``ix_invoices_supplier_updated``
what other workers decided for a supplier since a worker last looked (its catch-up) without
reading all of that supplier's invoices.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robot.store.migrations.steps import add_columns, drop_columns

revision = "0013"
down_revision = "0012"

BATCH = 10_000


def upgrade() -> None:
    from classifiers.keys import canonical_invoice_number

    add_columns("invoices", sa.Column("number_canonical", sa.String(length=128), nullable=True))
    conn = op.get_bind()
    invoices = sa.table(
        "invoices", sa.column("id", sa.BigInteger), sa.column("invoice_number"), sa.column("number_canonical")
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(invoices.c.id, invoices.c.invoice_number)
            .where(invoices.c.id > last, invoices.c.invoice_number.is_not(None))
            .order_by(invoices.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            invoices.update()
            .where(invoices.c.id == sa.bindparam("row_id"))
            .values(number_canonical=sa.bindparam("canonical")),
            [{"row_id": r[0], "canonical": canonical_invoice_number(r[1])[:128]} for r in rows],
        )
        last = rows[-1][0]
    op.create_index("ix_invoices_dup_canonical", "invoices", ["supplier_key", "number_canonical"])
    op.create_index("ix_invoices_document", "invoices", ["document_id"])
    op.create_index("ix_invoices_supplier_updated", "invoices", ["supplier_key", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_invoices_supplier_updated", table_name="invoices")
    op.drop_index("ix_invoices_document", table_name="invoices")
    op.drop_index("ix_invoices_dup_canonical", table_name="invoices")
    drop_columns("invoices", "number_canonical")
