"""Partial indexes for what a run looks for among millions of decided invoices (issue 17)

A run starts by asking for the invoices whose outcome is still to be reported to the purchase
system (``outcome_pending``) and for the workers that still hold claims (``claimed_by``), and
ends by asking for the returned invoices that have no notice yet. Each is a handful of rows
among millions, and each was a scan of the whole table (1.4 s, 1.6 s and 4.7 s with 5,000,000
earlier invoices, bench/scale_bench.py). A partial index holds only the rows that qualify, so
it stays small however long the history grows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"

#: name: (columns, the rows the index holds)
INDEXES = {
    "ix_invoices_outcome_pending": (["id"], "outcome_pending IS true"),
    "ix_invoices_claimed_by": (["claimed_by"], "claimed_by IS NOT NULL"),
    "ix_invoices_notice_due": (["id"], "state = 'returned' AND notice_id IS NULL"),
}


def upgrade() -> None:
    for name, (columns, condition) in INDEXES.items():
        where = sa.text(condition)
        op.create_index(name, "invoices", columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="invoices")
