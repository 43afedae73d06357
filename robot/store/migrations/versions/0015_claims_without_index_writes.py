"""A claim writes no index entry (heap-only updates for claims, renewals, releases); fewer indexes

A worker's claim, the renewal of its lease and a release change ``claimed_by`` and
``lease_until`` only (``updated_at`` stays: a claim is not a change of the invoice). PostgreSQL
writes such an update without touching any index (a heap-only tuple, HOT) when none of the
changed columns is indexed and the row's page has room, so the two indexes on them go:
``ix_invoices_lease`` (``state, lease_until``) and the partial ``ix_invoices_claimed_by``. What
they served asks for pending invoices (a handful among millions), which ``ix_invoices_state_id``
(``state, id``) finds as fast: the claim (pending, lease lapsed, by id) and the claims of dead
workers (pending and claimed). ``ix_invoices_state`` goes too: every query it served is served by
``ix_invoices_state_id``, whose first column it is, and ``ix_events_run_id`` for the same reason
(``ix_events_run_kind``: ``run_id, kind, id``; a processed invoice writes four events). The
invoices table keeps a quarter of each page free (PostgreSQL's fillfactor 75) so the new version
of a claimed row fits beside the old one, and the postings table a fifth (80), so recording a
posting's number (no indexed column changes) is a heap-only update too. Each index entry not
written is work PostgreSQL does not do for every invoice, measured with bench/workers_bench.py
(README).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"

#: name: (table, columns, the rows the index holds or None for all)
DROPPED: dict[str, tuple[str, list[str], str | None]] = {
    "ix_invoices_state": ("invoices", ["state"], None),
    "ix_invoices_lease": ("invoices", ["state", "lease_until"], None),
    "ix_invoices_claimed_by": ("invoices", ["claimed_by"], "claimed_by IS NOT NULL"),
    "ix_events_run_id": ("events", ["run_id"], None),
}


def upgrade() -> None:
    for name, (table, _, _) in DROPPED.items():
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE invoices SET (fillfactor = 75)")
        op.execute("ALTER TABLE postings SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE invoices RESET (fillfactor)")
        op.execute("ALTER TABLE postings RESET (fillfactor)")
    for name, (table, columns, condition) in DROPPED.items():
        where = None if condition is None else sa.text(condition)
        op.create_index(name, table, columns, postgresql_where=where, sqlite_where=where)
