"""The console's indexes at 1,000,000 invoices and 100,000 held

The hold queue is paged due first (``state, due_date, id``), a customer's queue has its own
(``state, customer_id, due_date, id``), the overview names the invoice held longest
(``state, received_at, id``), the workload measures how long holds wait (``state, updated_at,
id``) and counts decisions per day (events ``kind, at``), the rule filter finds the invoices a
rule holds (findings ``code, disposition, invoice_id``), and a run's page lists its invoices
(``last_run_id, id``) and failures (events ``run_id, kind, id``). Each lets PostgreSQL answer
from an index instead of scanning a million invoices or ten million events (bench/web_bench.py).
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"

INVOICE_INDEXES = {
    "ix_invoices_state_due": ["state", "due_date", "id"],
    "ix_invoices_state_received": ["state", "received_at", "id"],
    "ix_invoices_state_updated": ["state", "updated_at", "id"],
    "ix_invoices_state_customer": ["state", "customer_id", "due_date", "id"],
    "ix_invoices_last_run": ["last_run_id", "id"],
}


def upgrade() -> None:
    for name, columns in INVOICE_INDEXES.items():
        op.create_index(name, "invoices", columns)
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index("ix_findings_code_hold", "findings", ["code", "disposition", "invoice_id"])
    op.create_index("ix_events_run_kind", "events", ["run_id", "kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_run_kind", table_name="events")
    op.drop_index("ix_findings_code_hold", table_name="findings")
    op.drop_index("ix_events_kind_at", table_name="events")
    for name in INVOICE_INDEXES:
        op.drop_index(name, table_name="invoices")
