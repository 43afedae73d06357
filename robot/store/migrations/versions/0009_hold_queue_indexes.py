"""The hold queue at 100,000 held invoices: indexes that start with the state

The queue is paged due first (``state, due_date, id``), the overview names the invoice held
longest (``state, received_at, id``), the workload measures how long holds wait
(``state, updated_at, id``), a customer's queue has its own (``state, customer_id, due_date,
id``), the rule filter finds the invoices a rule holds (``findings: code, disposition,
invoice_id``), and the decisions per day read events by kind and time (``kind, at``). Each lets PostgreSQL answer from the index alone instead of scanning a million
invoices or ten million events (bench/web_bench.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INVOICE_INDEXES = {
    "ix_invoices_state_due": ["state", "due_date", "id"],
    "ix_invoices_state_received": ["state", "received_at", "id"],
    "ix_invoices_state_updated": ["state", "updated_at", "id"],
    "ix_invoices_state_customer": ["state", "customer_id", "due_date", "id"],
}


def upgrade() -> None:
    for name, columns in INVOICE_INDEXES.items():
        op.create_index(name, "invoices", columns)
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index("ix_findings_code_hold", "findings", ["code", "disposition", "invoice_id"])


def downgrade() -> None:
    op.drop_index("ix_findings_code_hold", table_name="findings")
    op.drop_index("ix_events_kind_at", table_name="events")
    for name in INVOICE_INDEXES:
        op.drop_index(name, table_name="invoices")
