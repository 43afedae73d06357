"""A claim writes no index entry: heap-only updates for claims, renewals and releases (issue 17)

A worker's claim, the renewal of its lease and a release change ``claimed_by`` and
``lease_until`` only (``updated_at`` stays: a claim is not a change of the invoice). PostgreSQL
writes such an update without touching any index (a heap-only tuple, HOT) when none of the
changed columns is indexed and the row's page has room, so the two indexes on them go:
``ix_invoices_lease`` (``state, lease_until``) and the partial ``ix_invoices_claimed_by``. What
they served asks for pending invoices (a handful among millions), which ``ix_invoices_state_id``
(``state, id``) finds as fast: the claim (pending, lease lapsed, by id) and the claims of dead
workers (pending and claimed). ``ix_invoices_state`` goes too: every query it served is served by
``ix_invoices_state_id``, whose first column it is. The table keeps a quarter of each page free
(PostgreSQL's fillfactor 75) so the new version of a claimed row fits beside the old one. Each
index entry not written is work PostgreSQL does not do four times per invoice, measured with
bench/workers_bench.py (README).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"

#: name: (columns, the rows the index holds, or None for all)
DROPPED: dict[str, tuple[list[str], str | None]] = {
    "ix_invoices_state": (["state"], None),
    "ix_invoices_lease": (["state", "lease_until"], None),
    "ix_invoices_claimed_by": (["claimed_by"], "claimed_by IS NOT NULL"),
}


def upgrade() -> None:
    for name in DROPPED:
        op.drop_index(name, table_name="invoices")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE invoices SET (fillfactor = 75)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE invoices RESET (fillfactor)")
    for name, (columns, condition) in DROPPED.items():
        where = None if condition is None else sa.text(condition)
        op.create_index(name, "invoices", columns, postgresql_where=where, sqlite_where=where)
