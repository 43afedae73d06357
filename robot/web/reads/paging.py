"""Keyset paging, as every console list reads its rows: ``LIMIT`` one more than a page, never OFFSET.

A read asks for ``limit + 1`` rows after the key of the previous page; :func:`page_of` keeps the
page and gives the key the next page starts after (None: this is the last page), so page 2,000
costs what page 1 costs.

    rows = s.execute(query.where(InvoiceRow.id > after).order_by(InvoiceRow.id).limit(limit + 1)).all()
    shown, next_after = page_of(rows, limit, lambda r: r.id)

A read returns a :class:`Page`; a search page links to the next one with the same fields
(:func:`next_page_url`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import urlencode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

Row = TypeVar("Row")
Key = TypeVar("Key")


@dataclass(frozen=True)  # no slots: Python 3.11 cannot make ``Page[Row](...)`` of a frozen, slotted generic
class Page(Generic[Row]):
    """One page of a list: its rows, and the key the next page starts after (None: the last page)."""

    rows: tuple[Row, ...]
    next_after: int | None


def bounded(limit: int, most: int) -> int:
    """A page size asked for, kept between 1 and ``most``."""
    return max(1, min(limit, most))


def page_of(rows: Sequence[Row], limit: int, key: Callable[[Row], Key]) -> tuple[list[Row], Key | None]:
    """Of ``rows`` read with ``LIMIT limit + 1``: the page, and the key of its last row when more follow."""
    shown = list(rows[:limit])
    return shown, key(shown[-1]) if len(rows) > limit and shown else None


def next_page_url(path: str, fields: Mapping[str, str], params: Mapping[str, str], after: object) -> str:
    """The link to a search's next page: its filled-in ``fields``, the ``lang`` the page was asked
    in (if any), then the key ``after``.

    >>> next_page_url("/search", {"number": "A-1", "supplier": ""}, {"lang": "en"}, 42)
    '/search?number=A-1&lang=en&after=42'
    """
    kept = [(k, v) for k, v in fields.items() if v]
    if "lang" in params:
        kept.append(("lang", params["lang"]))
    return f"{path}?" + urlencode([*kept, ("after", str(after))])
