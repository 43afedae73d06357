"""store_meta with the store's id: notice keys unique across stores sharing an outbox

Notices are keyed ``<store-id>:<run>:<customer>``; the store id is a random UUID made here, once
per store. Notice states gain ``refused`` (a permanent refusal held for the creditor team), which
needs no schema change (``notices.state`` is text).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    meta = op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(meta, [{"key": "store_id", "value": str(uuid.uuid4())}])


def downgrade() -> None:
    op.drop_table("store_meta")
