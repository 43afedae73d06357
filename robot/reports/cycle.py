"""Cycle times of the scope's invoices: from receipt (``received_at``, the ``received`` event) to the
first ``posted`` event, and to the first ``paid`` event (written by the bank matching, robot/bank).

Median and 90th percentile by the nearest rank: the value at rank ⌈p·n⌉ of the n durations in
ascending order (so always a duration that occurred). Both are found in one SQL query (a window
numbers the durations; the rows at the two ranks are picked); SQLite and PostgreSQL compute the
duration in whole seconds each in its own way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, and_, cast, func, or_, select

from robot.reports.scope import Scope
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow

POSTED, PAID = "posted", "paid"
MEDIAN, P90 = (1, 2), (9, 10)  # the shares as fractions a/b


@dataclass(frozen=True, slots=True)
class Cycle:
    invoices: int  # with the event
    median_seconds: int | None
    p90_seconds: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "invoices": self.invoices,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
        }


def rank(p: float, n: int) -> int:
    """The nearest rank of percentile ``p`` (0 < p ≤ 1) among ``n`` values (1-based).

    >>> rank(0.5, 4), rank(0.5, 5), rank(0.9, 10), rank(0.9, 11)
    (2, 3, 9, 10)
    """
    return max(1, math.ceil(round(p * n, 9)))


def _seconds(store: Store, later: Any, earlier: Any) -> Any:
    if store.dialect == "sqlite":
        days = func.julianday(later) - func.julianday(earlier)
        return cast(func.round(days * 86400.0), Integer)
    return cast(func.round(cast(func.extract("epoch", later - earlier), Float)), Integer)


def _at_rank(rn: Any, n: Any, share: tuple[int, int]) -> Any:
    """``rn`` is the nearest rank ⌈p·n⌉ for p = a/b: b·rn ≥ a·n > b·(rn - 1), in integers."""
    a, b = share
    return and_(b * rn >= a * n, b * (rn - 1) < a * n)


def cycle(store: Store, scope: Scope, kind: str) -> Cycle:
    """Receipt to the first event of ``kind`` (:data:`POSTED` or :data:`PAID`), in one query: the
    durations ranked by a window, the two ranks picked."""
    first = (
        select(InvoiceRow.received_at.label("received_at"), func.min(Event.at).label("at"))
        .select_from(Event)
        .join(InvoiceRow, InvoiceRow.id == Event.invoice_id)
        .where(Event.kind == kind, *scope.where())
        .group_by(Event.invoice_id, InvoiceRow.received_at)
        .subquery()
    )
    seconds = _seconds(store, first.c.at, first.c.received_at)
    ranked = select(
        seconds.label("seconds"),
        func.row_number().over(order_by=seconds).label("rn"),
        func.count().over().label("n"),
    ).subquery()
    median, p90 = _at_rank(ranked.c.rn, ranked.c.n, MEDIAN), _at_rank(ranked.c.rn, ranked.c.n, P90)
    query = select(ranked.c.n, ranked.c.seconds, median, p90).where(or_(median, p90))
    with store.sessions() as s:
        rows = s.execute(query).all()
    if not rows:
        return Cycle(0, None, None)
    pick = {
        flag: int(value)
        for _, value, *flags in rows
        for flag, on in zip(("median", "p90"), flags, strict=True)
        if on
    }
    return Cycle(int(rows[0][0]), pick["median"], pick["p90"])
