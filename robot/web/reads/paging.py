"""Keyset paging, as every console list reads its rows: ``LIMIT`` one more than a page, never OFFSET.

A read asks for ``limit + 1`` rows after the key of the previous page; :func:`page_of` keeps the
page and gives the key the next page starts after (None: this is the last page), so page 2,000
costs what page 1 costs.

    rows = s.execute(query.where(InvoiceRow.id > after).order_by(InvoiceRow.id).limit(limit + 1)).all()
    shown, next_after = page_of(rows, limit, lambda r: r.id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Row = TypeVar("Row")
Key = TypeVar("Key")


def bounded(limit: int, most: int) -> int:
    """A page size asked for, kept between 1 and ``most``."""
    return max(1, min(limit, most))


def page_of(rows: Sequence[Row], limit: int, key: Callable[[Row], Key]) -> tuple[list[Row], Key | None]:
    """Of ``rows`` read with ``LIMIT limit + 1``: the page, and the key of its last row when more follow."""
    shown = list(rows[:limit])
    return shown, key(shown[-1]) if len(rows) > limit and shown else None
