"""The schema steps the migrations share, each with the step that undoes it.

A table is created with its indexes and dropped with them (the indexes first, in reverse order);
columns are added to a table in one batch and dropped in one (SQLite rebuilds the table for a
dropped column). A migration names a table's indexes once, for its upgrade and its downgrade::

    INDEXES = {"ix_payments_status": ["status", "id"]}

    def upgrade() -> None:
        create_table("payments", ..., indexes=INDEXES)

    def downgrade() -> None:
        drop_table("payments", INDEXES)

As :mod:`robot.store.migrations.columns`, what is here may be added to, never changed: every
migration that uses it would build something else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


def create_table(
    name: str, *elements: sa.schema.SchemaItem, indexes: Mapping[str, Sequence[str]] | None = None
) -> sa.Table:
    """Create the table (its columns and constraints), then each of ``indexes`` (name: columns)."""
    table = op.create_table(name, *elements)
    for index, columns in (indexes or {}).items():
        op.create_index(index, name, list(columns))
    return table


def drop_table(name: str, indexes: Iterable[str] = ()) -> None:
    """Drop the indexes ``create_table`` made (in reverse order), then the table."""
    for index in reversed(list(indexes)):
        op.drop_index(index, table_name=name)
    op.drop_table(name)


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    """Add the columns to an existing table, in one batch."""
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Drop the columns ``add_columns`` added (named in the order added), in one batch, the last first."""
    with op.batch_alter_table(table) as batch:
        for name in reversed(names):
            batch.drop_column(name)
