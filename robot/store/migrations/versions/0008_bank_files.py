"""Bank files: every camt.054, camt.053 and pain.002 file exactly as received (issue 13)

``bank_files`` keeps each file's bytes with their sha256 (unique: the same bytes twice are stored
once), size, file name and when they were first seen, stored before anything else happens to
the file; ``message`` (``camt.054.001.02``) once it was read, or ``read_error`` saying why not.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from robot.store.migrations.columns import received_file_columns

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "bank_files",
        *received_file_columns(),
        sa.Column("message", sa.String(length=32), nullable=True),
        sa.Column("read_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )


def downgrade() -> None:
    op.drop_table("bank_files")
