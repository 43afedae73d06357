"""invoices.erp_unreachable and invoices.retry_after: an ERP outage backs off, it does not hold

``erp_unreachable`` counts consecutive hand-overs that failed because the ERP could not be reached
(a TransientError or a connection error from the ledger); it is separate from ``attempts`` (the
business/application failures that hold an invoice after ``max_attempts``). ``retry_after`` is the
back-off: the invoice is not claimed again before it.
"""

from __future__ import annotations

import sqlalchemy as sa

from robot.store.migrations.columns import WHEN
from robot.store.migrations.steps import add_columns, drop_columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    add_columns(
        "invoices",
        sa.Column("erp_unreachable", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("retry_after", WHEN, nullable=True),
    )


def downgrade() -> None:
    drop_columns("invoices", "erp_unreachable", "retry_after")
