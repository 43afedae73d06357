"""Payments from bank files and the invoices they paid (issue 13, matching payments to invoices)

``payments`` keeps each payment read from a bank file (a camt transaction, or a pain.002 status)
with what the bank said of it and what the robot made of it (``status`` matched, unmatched,
ambiguous or rejected; ``candidates`` for the creditor team); unique per bank file, entry and
transaction, so importing a file again records nothing new. ``payment_matches`` names the
invoices a payment paid (or reopened) with the amount for each.
"""

from __future__ import annotations

import sqlalchemy as sa

from robot.store.migrations.columns import ID, MONEY, WHEN, id_column
from robot.store.migrations.steps import create_table, drop_table

revision = "0012"
down_revision = "0011"

PAYMENT_INDEXES = {
    "ix_payments_status": ["status", "id"],
    "ix_payments_end_to_end": ["end_to_end_id"],
    "ix_payments_bank_reference": ["bank_reference"],
}
MATCH_INDEXES = {"ix_payment_matches_invoice_id": ["invoice_id"]}


def upgrade() -> None:
    create_table(
        "payments",
        id_column(),
        sa.Column("bank_file_id", ID, nullable=False),
        sa.Column("entry_index", sa.Integer(), nullable=False),
        sa.Column("transaction_index", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("bank_reference", sa.String(length=128), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=128), nullable=True),
        sa.Column("creditor_reference", sa.String(length=128), nullable=True),
        sa.Column("referred_document_number", sa.String(length=128), nullable=True),
        sa.Column("remittance_text", sa.Text(), nullable=True),
        sa.Column("counterparty_name", sa.String(length=256), nullable=True),
        sa.Column("counterparty_account", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["bank_file_id"], ["bank_files.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bank_file_id", "entry_index", "transaction_index", name="uq_payment_in_file"),
        indexes=PAYMENT_INDEXES,
    )
    create_table(
        "payment_matches",
        id_column(),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_id", "invoice_id", name="uq_payment_match"),
        indexes=MATCH_INDEXES,
    )


def downgrade() -> None:
    drop_table("payment_matches", MATCH_INDEXES)
    drop_table("payments", PAYMENT_INDEXES)
