"""Cycle times of the scope's invoices: from receipt (``received_at``, the ``received`` event) to the
first ``posted`` event, and to the first ``paid`` event (written by the bank matching, robot/bank).

Median and 90th percentile by the nearest rank: the value at rank ⌈p·n⌉ of the n durations in
ascending order (so always a duration that occurred). Both are found in SQL: one count, then one
ordered lookup per percentile (``LIMIT 1 OFFSET rank - 1``); SQLite and PostgreSQL compute the
duration in whole seconds each in its own way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, cast, func, select

from robot.reports.scope import Scope
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow

POSTED, PAID = "posted", "paid"


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


def cycle(store: Store, scope: Scope, kind: str) -> Cycle:
    """Receipt to the first event of ``kind`` (:data:`POSTED` or :data:`PAID`)."""
    first = (
        select(InvoiceRow.received_at.label("received_at"), func.min(Event.at).label("at"))
        .join(Event, Event.invoice_id == InvoiceRow.id)
        .where(*scope.where(), Event.kind == kind)
        .group_by(InvoiceRow.id, InvoiceRow.received_at)
        .subquery()
    )
    seconds = _seconds(store, first.c.at, first.c.received_at).label("seconds")
    durations = select(seconds).subquery()
    with store.sessions() as s:
        n = int(s.scalar(select(func.count()).select_from(durations)) or 0)
        if n == 0:
            return Cycle(0, None, None)
        ordered = select(durations.c.seconds).order_by(durations.c.seconds).limit(1)
        median, p90 = (int(s.scalar(ordered.offset(rank(p, n) - 1)) or 0) for p in (0.5, 0.9))
    return Cycle(n, median, p90)
