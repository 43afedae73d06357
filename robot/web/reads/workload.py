"""What the *Workload* page reads: the creditor team's hold queue by person and by customer, what is
due, how long holds wait and what the team decided per day. Every number is counted in SQL; nothing
loads the held invoices into Python.

- **per person / per customer**: held invoices grouped by ``invoices.assigned_to`` (None: given to
  no one) and by customer, each with how many are overdue, due today and due this week (today to
  Sunday, in Europe/Copenhagen);
- **waiting**: how long the held invoices have waited since they were held (the invoice's last
  change, ``updated_at``: holding it is the last thing a run changes; a comment, an approval or an
  assignment is an event and leaves it alone), as the median and the 90th percentile (nearest
  rank, read by one indexed ``ORDER BY ... LIMIT 1`` each) and a distribution in buckets;
- **decisions**: the people's events (release, return, retry, approval of a release) per day of the
  last 14 days (Europe/Copenhagen days, exact across summer time) and per person.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from robot.store.holds import APPROVED, EVENT
from robot.store.schema import Event, InvoiceRow, InvoiceState

if TYPE_CHECKING:
    from robot.store.repo import Store

ZONE = ZoneInfo("Europe/Copenhagen")
DAYS = 14
#: The people's decisions, in the order the page shows them.
DECISION_KINDS = (EVENT["release"], EVENT["return"], EVENT["retry"], APPROVED)
#: Upper bounds of the waiting buckets, in days (the last bucket is everything longer).
BUCKETS = (1, 3, 7, 14, 30)


@dataclass(frozen=True, slots=True)
class Load:
    """Held invoices of one person or customer (``key`` None: given to no one)."""

    key: str | None
    held: int
    overdue: int
    due_today: int
    due_week: int


@dataclass(frozen=True, slots=True)
class Bucket:
    low_days: int
    high_days: int | None  # None: no upper bound
    count: int


@dataclass(frozen=True, slots=True)
class Waiting:
    held: int
    median: timedelta | None
    p90: timedelta | None
    longest: timedelta | None
    buckets: tuple[Bucket, ...]


@dataclass(frozen=True, slots=True)
class DayDecisions:
    """What one person decided on one day: counts by event kind."""

    day: date
    by: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Workload:
    today: date
    total: Load
    people: list[Load]
    customers: list[Load]
    waiting: Waiting
    days: list[date]  # newest first
    decisions: list[DayDecisions]  # newest day first, then by person

    def day_total(self, day: date) -> int:
        return sum(d.total for d in self.decisions if d.day == day)

    @property
    def busiest_day(self) -> int:
        return max((self.day_total(d) for d in self.days), default=0)


def _held(only_customer: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [InvoiceRow.state == InvoiceState.HELD]
    if only_customer:
        where.append(func.upper(InvoiceRow.customer_id) == only_customer.strip().upper())
    return where


_Four = tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int], ColumnElement[int]]


def _counts(today: date) -> _Four:
    sunday = today + timedelta(days=6 - today.weekday())

    def count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    due = InvoiceRow.due_date
    return (
        func.count(),
        count_if(due < today),
        count_if(due == today),
        count_if(and_(due >= today, due <= sunday)),
    )


def _loads(
    store: Store, column: InstrumentedAttribute[str | None], today: date, where: list[ColumnElement[bool]]
) -> list[Load]:
    query = select(column, *_counts(today)).where(*where).group_by(column)
    with store.sessions() as s:
        found = [
            Load(key, int(n), int(late), int(now), int(week)) for key, n, late, now, week in s.execute(query)
        ]
    return sorted(found, key=lambda x: (-x.held, x.key is None, x.key or ""))


def _waiting(store: Store, now: datetime, where: list[ColumnElement[bool]]) -> Waiting:
    since = InvoiceRow.updated_at
    bounds = [now - timedelta(days=d) for d in BUCKETS]
    sums = [func.coalesce(func.sum(case((since > b, 1), else_=0)), 0) for b in bounds]
    with store.sessions() as s:
        held, *younger = s.execute(select(func.count(), *sums).where(*where)).one()
        held = int(held)

        def age_at(rank: int) -> timedelta | None:  # rank 1: the longest waiting
            query = select(since).where(*where).order_by(since.asc(), InvoiceRow.id).offset(rank - 1).limit(1)
            oldest = s.scalars(query).first()
            return None if oldest is None else max(now - oldest, timedelta(0))

        if not held:
            return Waiting(0, None, None, None, tuple(_buckets([0] * len(BUCKETS), 0)))
        # nearest rank among the ages sorted longest first: the median and the p90 of the ages
        median = age_at(held - math.ceil(0.5 * held) + 1)
        p90 = age_at(held - math.ceil(0.9 * held) + 1)
        longest = age_at(1)
    return Waiting(held, median, p90, longest, tuple(_buckets([int(y) for y in younger], held)))


def _buckets(younger: list[int], held: int) -> list[Bucket]:
    """``younger[i]``: how many waited less than BUCKETS[i] days; into disjoint buckets."""
    out: list[Bucket] = []
    low, below = 0, 0
    for high, count in zip(BUCKETS, younger, strict=True):
        out.append(Bucket(low, high, count - below))
        low, below = high, count
    out.append(Bucket(low, None, held - below))
    return out


def _decisions(
    store: Store, today: date, days: int, only_customer: str | None
) -> tuple[list[date], list[DayDecisions]]:
    shown = [today - timedelta(days=i) for i in range(days)]
    starts = [datetime.combine(d, time(0), ZONE) for d in shown]  # exact across summer time
    end = datetime.combine(today + timedelta(days=1), time(0), ZONE)
    day_of = case(*((Event.at >= start, i) for i, start in enumerate(starts)), else_=-1)
    by = Event.detail["by"].as_string()
    query = (
        select(day_of, by, Event.kind, func.count())
        .where(Event.kind.in_(DECISION_KINDS), Event.at >= starts[-1], Event.at < end)
        .group_by(day_of, by, Event.kind)
    )
    if only_customer:
        mine = select(InvoiceRow.id).where(
            func.upper(InvoiceRow.customer_id) == only_customer.strip().upper()
        )
        query = query.where(Event.invoice_id.in_(mine))
    table: dict[tuple[int, str], dict[str, int]] = {}
    with store.sessions() as s:
        for index, who, kind, n in s.execute(query):
            if 0 <= index < days:
                table.setdefault((index, str(who or "-")), dict.fromkeys(DECISION_KINDS, 0))[kind] += int(n)
    rows = [DayDecisions(shown[i], who, counts) for (i, who), counts in sorted(table.items())]
    return shown, rows


def workload(store: Store, *, now: datetime, only_customer: str | None = None, days: int = DAYS) -> Workload:
    """The workload page's numbers at ``now`` (aware), for one customer's user or the whole team."""
    today = now.astimezone(ZONE).date()
    where = _held(only_customer)
    with store.sessions() as s:
        n, late, due_now, week = s.execute(select(*_counts(today)).where(*where)).one()
    total = Load(None, int(n), int(late), int(due_now), int(week))
    people = _loads(store, InvoiceRow.assigned_to, today, where)
    customers = _loads(store, InvoiceRow.customer_id, today, where)
    shown, decisions = _decisions(store, today, days, only_customer)
    return Workload(today, total, people, customers, _waiting(store, now, where), shown, decisions)
