"""The creditor console: users, their web sessions, login attempts; invoices.assigned_to

``users`` holds an argon2id hash of each password, never the password; ``web_sessions`` the
sha256 of each session cookie's token (a stolen copy of the database opens no session);
``login_attempts`` what the login throttle counts. ``invoices.assigned_to`` names the console
user an invoice is assigned to (indexed: the workload per person). Indexes for the console's
search and reports at a million invoices: each filter column with ``id`` (keyset paging), and
events by kind (the human decisions among ten million events).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robot.store.migrations.columns import ID, WHEN
from robot.store.migrations.steps import create_table, drop_table

revision = "0006"
down_revision = "0005"

#: the console's search, hold queue and reports page by id under each filter (keyset paging)
INVOICE_INDEXES = {
    "ix_invoices_number": ["number_normalised", "id"],
    "ix_invoices_customer": ["customer_id", "id"],
    "ix_invoices_state_id": ["state", "id"],
    "ix_invoices_supplier_id": ["supplier_key", "id"],
    "ix_invoices_issue_date": ["issue_date", "id"],
    "ix_invoices_received_at": ["received_at", "id"],
    "ix_invoices_payable": ["payable", "id"],
}
SESSION_INDEXES = {"ix_web_sessions_user_id": ["user_id"]}
LOGIN_INDEXES = {
    "ix_login_attempts_username": ["username", "at"],
    "ix_login_attempts_address": ["address", "at"],
}


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    create_table(
        "web_sessions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        indexes=SESSION_INDEXES,
    )
    create_table(
        "login_attempts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=LOGIN_INDEXES,
    )
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(length=128), nullable=True))
        batch.create_index("ix_invoices_assigned_to", ["assigned_to"])
    for name, columns in INVOICE_INDEXES.items():
        op.create_index(name, "invoices", columns)
    op.create_index("ix_events_kind_invoice", "events", ["kind", "invoice_id"])


def downgrade() -> None:
    op.drop_index("ix_events_kind_invoice", table_name="events")
    for name in INVOICE_INDEXES:
        op.drop_index(name, table_name="invoices")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_assigned_to")
        batch.drop_column("assigned_to")
    drop_table("login_attempts", LOGIN_INDEXES)
    drop_table("web_sessions", SESSION_INDEXES)
    op.drop_table("users")
