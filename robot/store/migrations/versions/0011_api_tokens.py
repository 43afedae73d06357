"""Status API tokens (issue 13): table api_tokens

Each token is bound to one customer and kept only as the sha256 of the token (shown once when it
is made); ``revoked_at`` ends it, ``last_used_at`` says when it was last used.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robot.store.migrations.columns import WHEN, id_column

revision = "0011"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        id_column(),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_used_at", WHEN, nullable=True),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
