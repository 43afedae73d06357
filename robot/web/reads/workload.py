"""What the *Workload* page reads: the creditor team's hold queue by person and by customer, what is
due, how long holds wait and what the team decided per day. Every number is counted in SQL; nothing
loads the held invoices into Python: one grouped scan of the held invoices (by person and customer)
gives the loads, the totals and the waiting buckets; three ``LIMIT 1`` reads the percentiles; one
grouped query over the decisions' events the days.

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

from robot.store.holds import APPROVED, EVENT
from robot.store.schema import Event, InvoiceRow, InvoiceState
from robot.web.reads.scope import of_customer

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
        where.append(of_customer(only_customer))
    return where


def _grouped(
    store: Store, now: datetime, today: date, where: list[ColumnElement[bool]]
) -> tuple[list[Load], list[Load], Load, list[int]]:
    """One scan of the held invoices, grouped by person and customer: the loads by person, by
    customer and in all, and how many waited less than each of :data:`BUCKETS` days."""
    sunday = today + timedelta(days=6 - today.weekday())

    def count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    due, since = InvoiceRow.due_date, InvoiceRow.updated_at
    columns = [
        func.count(),
        count_if(due < today),
        count_if(due == today),
        count_if(and_(due >= today, due <= sunday)),
        *(count_if(since > now - timedelta(days=d)) for d in BUCKETS),
    ]
    keys = (InvoiceRow.assigned_to, InvoiceRow.customer_id)
    query = select(*keys, *columns).where(*where).group_by(*keys)
    people: dict[str | None, list[int]] = {}
    customers: dict[str | None, list[int]] = {}
    total = [0] * len(columns)
    with store.sessions() as s:
        for person, customer, *numbers in s.execute(query):
            for table, key in ((people, person), (customers, customer)):
                sums = table.setdefault(key, [0] * len(columns))
                sums[:] = [a + int(b) for a, b in zip(sums, numbers, strict=True)]
            total = [a + int(b) for a, b in zip(total, numbers, strict=True)]

    def loads(table: dict[str | None, list[int]]) -> list[Load]:
        found = [Load(key, *v[:4]) for key, v in table.items()]
        return sorted(found, key=lambda x: (-x.held, x.key is None, x.key or ""))

    return loads(people), loads(customers), Load(None, *total[:4]), total[4:]


def _waiting(
    store: Store, now: datetime, where: list[ColumnElement[bool]], held: int, younger: list[int]
) -> Waiting:
    """The median, p90 and longest wait by nearest rank: each one ``ORDER BY updated_at`` read
    along the index ``(state, updated_at, id)``."""
    if not held:
        return Waiting(0, None, None, None, tuple(_buckets([0] * len(BUCKETS), 0)))
    since = InvoiceRow.updated_at
    with store.sessions() as s:

        def age_at(rank: int) -> timedelta | None:  # rank 1: the longest waiting
            query = select(since).where(*where).order_by(since.asc(), InvoiceRow.id).offset(rank - 1).limit(1)
            oldest = s.scalars(query).first()
            return None if oldest is None else max(now - oldest, timedelta(0))

        # ages sorted longest first: the nearest-rank median and p90 of the ages
        median = age_at(held - math.ceil(0.5 * held) + 1)
        p90 = age_at(held - math.ceil(0.9 * held) + 1)
        longest = age_at(1)
    return Waiting(held, median, p90, longest, tuple(_buckets(younger, held)))


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
        mine = select(InvoiceRow.id).where(of_customer(only_customer))
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
    people, customers, total, younger = _grouped(store, now, today, where)
    waiting = _waiting(store, now, where, total.held, younger)
    shown, decisions = _decisions(store, today, days, only_customer)
    return Workload(today, total, people, customers, waiting, shown, decisions)
