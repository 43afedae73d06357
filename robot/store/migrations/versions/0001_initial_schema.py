"""initial schema"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robot.store.migrations.columns import ID, WHEN, id_column, received_file_columns
from robot.store.migrations.steps import create_table, drop_table

revision = "0001"
down_revision = None

INVOICE_INDEXES = {
    "ix_invoices_dup_amount": ["supplier_key", "payable", "issue_date"],
    "ix_invoices_dup_number": ["supplier_key", "number_normalised"],
    "ix_invoices_lease": ["state", "lease_until"],
    "ix_invoices_state": ["state"],
}
EVENT_INDEXES = {"ix_events_invoice_id": ["invoice_id"], "ix_events_run_id": ["run_id"]}
FINDING_INDEXES = {"ix_findings_invoice_id": ["invoice_id"]}


def upgrade() -> None:
    op.create_table(
        "documents",
        *received_file_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "runs",
        id_column(),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "notices",
        id_column(),
        sa.Column("notice_key", sa.String(length=256), nullable=False),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_key"),
    )
    create_table(
        "invoices",
        id_column(),
        sa.Column("document_id", ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_ref", sa.String(length=512), nullable=False),
        sa.Column("source_meta", sa.JSON(), nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("first_run_id", ID, nullable=True),
        sa.Column("last_run_id", ID, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("error_types", sa.String(length=128), nullable=True),
        sa.Column("read_error", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("format", sa.String(length=32), nullable=True),
        sa.Column("document_type", sa.String(length=16), nullable=True),
        sa.Column("invoice_number", sa.String(length=128), nullable=True),
        sa.Column("number_normalised", sa.String(length=128), nullable=True),
        sa.Column("supplier_key", sa.String(length=128), nullable=True),
        sa.Column("supplier_name", sa.String(length=256), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("payable", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("erp_document_no", sa.String(length=64), nullable=True),
        sa.Column("invoice_response", sa.LargeBinary(), nullable=True),
        sa.Column("outcome_pending", sa.Boolean(), nullable=False),
        sa.Column("notice_id", ID, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["first_run_id"], ["runs.id"]),
        sa.ForeignKeyConstraint(["last_run_id"], ["runs.id"]),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_ref", "document_id", name="uq_invoice_receipt"),
        indexes=INVOICE_INDEXES,
    )
    create_table(
        "events",
        id_column(),
        sa.Column("invoice_id", ID, nullable=True),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        indexes=EVENT_INDEXES,
    )
    create_table(
        "findings",
        id_column(),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("official_ids", sa.String(length=256), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=True),
        sa.Column("message_da", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("found", sa.Text(), nullable=True),
        sa.Column("expected", sa.Text(), nullable=True),
        sa.Column("line_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        indexes=FINDING_INDEXES,
    )
    op.create_table(
        "postings",
        id_column(),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=256), nullable=False),
        sa.Column("ledger", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("erp_document_no", sa.String(length=64), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("posted_at", WHEN, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("invoice_id"),
    )


def downgrade() -> None:
    op.drop_table("postings")
    drop_table("findings", FINDING_INDEXES)
    drop_table("events", EVENT_INDEXES)
    drop_table("invoices", INVOICE_INDEXES)
    op.drop_table("notices")
    op.drop_table("runs")
    op.drop_table("documents")
