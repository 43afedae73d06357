"""Column types and columns the migrations share, so each is written once as schema.py writes it.

A migration is history: what is here may be added to, never changed (a change would change what
every earlier migration built). ``ID`` is the key type (BIGINT, INTEGER on SQLite so that it
autoincrements), ``WHEN`` an aware timestamp, ``MONEY`` an amount.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
MONEY = sa.Numeric(20, 4, asdecimal=True)


def id_column() -> sa.Column[int]:
    """A table's autoincrementing ``id`` (its primary key, with ``sa.PrimaryKeyConstraint("id")``)."""
    return sa.Column("id", ID, autoincrement=True, nullable=False)


def received_file_columns() -> list[sa.Column[Any]]:
    """The columns of a file kept exactly as received (``documents``, ``bank_files``:
    robot.store.schema.ReceivedFile); the table adds ``sa.UniqueConstraint("sha256")``."""
    return [
        id_column(),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("filename", sa.String(length=512), nullable=False),
        sa.Column("first_seen_at", WHEN, nullable=False),
    ]
