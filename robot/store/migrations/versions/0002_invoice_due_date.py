"""invoices.due_date: the hold queue is ordered by when the invoice must be paid"""

from __future__ import annotations

import sqlalchemy as sa

from robot.store.migrations.steps import add_columns, drop_columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    add_columns("invoices", sa.Column("due_date", sa.Date(), nullable=True))


def downgrade() -> None:
    drop_columns("invoices", "due_date")
