"""The *Error types* page's reads: what goes wrong, for whom, when, and who causes it.

Every read covers a :class:`Period` of whole ISO weeks (Monday 00:00 to Monday 00:00 in
Europe/Copenhagen) and counts the invoices *received* in it, optionally of one customer:

- :func:`error_type_counts`: invoices per error type (``invoice_error_types``), customer and week;
- :func:`touchless`: per customer and week, the decided invoices (posted, returned or held), the
  posted ones, and the *touchless* ones: posted with no person's decision in their journey (no
  release, approval, return by hand or retry: :data:`HUMAN_DECISIONS`);
- :func:`suppliers` and :func:`rules`: the suppliers and the rules (finding codes) behind the most
  holds (a blocking finding that holds) and returns (the invoice was returned).

All counting is SQL aggregates; a week is picked by a ``CASE`` over the week boundaries computed
here in the time zone, so SQLite and PostgreSQL agree to the second without time-zone functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, literal, select, union_all

from robot.codes import InvoiceState, Reason
from robot.reports.figures import decided_by_a_person
from robot.store.holds import HUMAN_DECISIONS
from robot.store.repo import Store
from robot.store.schema import ErrorTypeRow, FindingRow, InvoiceRow

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DEFAULT_WEEKS = 12
MAX_WEEKS = 156
__all__ = ["HUMAN_DECISIONS"]  # the store's list of a person's decisions (robot.store.holds)


@dataclass(frozen=True, slots=True)
class Week:
    year: int
    number: int
    start: datetime  # Monday 00:00 in Copenhagen (aware)
    end: datetime  # the next Monday 00:00

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    weeks: tuple[Week, ...]

    @property
    def start(self) -> datetime:
        return self.weeks[0].start

    @property
    def end(self) -> datetime:
        return self.weeks[-1].end

    @property
    def labels(self) -> list[str]:
        return [w.label for w in self.weeks]


def period(last_day: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The ``weeks`` ISO weeks ending with the one holding ``last_day`` (1 to :data:`MAX_WEEKS`).

    >>> p = period(date(2026, 3, 30), 2)  # summer time begins on Sunday 29 March
    >>> p.labels, p.start.isoformat(), p.end.isoformat()
    (['2026-W13', '2026-W14'], '2026-03-23T00:00:00+01:00', '2026-04-06T00:00:00+02:00')
    """
    count = min(max(weeks, 1), MAX_WEEKS)
    last_monday = last_day - timedelta(days=last_day.weekday())
    mondays = [last_monday - timedelta(weeks=k) for k in reversed(range(count))]

    def at(day: date) -> datetime:
        return datetime.combine(day, time(), COPENHAGEN)

    return Period(
        tuple(Week(m.isocalendar()[0], m.isocalendar()[1], at(m), at(m + timedelta(days=7))) for m in mondays)
    )


def label_of(code: str, lang: str) -> str:
    """The error type's label from the code list (:class:`robot.codes.Reason`), or the code itself."""
    try:
        reason = Reason.of(code)
    except ValueError:
        return code
    return reason.en if lang == "en" else reason.da


@dataclass(frozen=True, slots=True)
class ErrorTypeCount:
    week: str
    customer_id: str | None
    code: str
    invoices: int


@dataclass(frozen=True, slots=True)
class Touchless:
    week: str
    customer_id: str | None
    decided: int  # posted, returned or held
    posted: int
    touchless: int  # posted with no person's decision

    @property
    def rate(self) -> float | None:
        """Touchless share of the decided invoices (None when none was decided)."""
        return self.touchless / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class SupplierCount:
    supplier_key: str | None
    supplier_name: str | None
    holds: int
    returns: int

    @property
    def total(self) -> int:
        return self.holds + self.returns


@dataclass(frozen=True, slots=True)
class RuleCount:
    code: str
    reason: str
    holds: int
    returns: int

    @property
    def total(self) -> int:
        return self.holds + self.returns


def _week_index(p: Period) -> ColumnElement[Any]:
    return case(*((InvoiceRow.received_at < w.end.astimezone(UTC), i) for i, w in enumerate(p.weeks)))


def _within(p: Period, customer: str | None) -> list[ColumnElement[bool]]:
    where = [
        InvoiceRow.received_at >= p.start.astimezone(UTC),
        InvoiceRow.received_at < p.end.astimezone(UTC),
    ]
    if customer is not None:
        where.append(InvoiceRow.customer_id == customer)
    return where


def error_type_counts(store: Store, p: Period, customer: str | None = None) -> list[ErrorTypeCount]:
    """Invoices per (week, customer, error type), in week, customer and code order."""
    rows = (
        select(_week_index(p).label("week"), InvoiceRow.customer_id, ErrorTypeRow.code)
        .join(ErrorTypeRow, ErrorTypeRow.invoice_id == InvoiceRow.id)
        .where(*_within(p, customer))
        .subquery()
    )
    query = (
        select(rows.c.week, rows.c.customer_id, rows.c.code, func.count())
        .group_by(rows.c.week, rows.c.customer_id, rows.c.code)
        .order_by(rows.c.week, rows.c.customer_id, rows.c.code)
    )
    with store.sessions() as s:
        found = s.execute(query).all()
    return [ErrorTypeCount(p.weeks[w].label, c, str(code), int(n)) for w, c, code, n in found]


def touchless(store: Store, p: Period, customer: str | None = None) -> list[Touchless]:
    """Per (week, customer): decided, posted and touchless invoices.

    Two aggregates: the decided and posted invoices, then the posted ones a person decided on (a
    semi-join on ``ix_events_kind_invoice``); touchless is the difference.
    """
    posted = InvoiceRow.state == InvoiceState.POSTED
    decided = (
        select(
            _week_index(p).label("week"), InvoiceRow.customer_id, case((posted, 1), else_=0).label("posted")
        )
        .where(*_within(p, customer), InvoiceRow.state.in_(InvoiceState.DONE))
        .subquery()
    )
    person = decided_by_a_person()
    touched = (
        select(_week_index(p).label("week"), InvoiceRow.customer_id)
        .where(*_within(p, customer), posted, person)
        .subquery()
    )
    with store.sessions() as s:
        counts = s.execute(
            select(decided.c.week, decided.c.customer_id, func.count(), func.sum(decided.c.posted)).group_by(
                decided.c.week, decided.c.customer_id
            )
        ).all()
        by_person = {
            (w, c): int(n)
            for w, c, n in s.execute(
                select(touched.c.week, touched.c.customer_id, func.count()).group_by(
                    touched.c.week, touched.c.customer_id
                )
            )
        }
    found = [
        Touchless(p.weeks[w].label, c, int(n), int(ps or 0), int(ps or 0) - by_person.get((w, c), 0))
        for w, c, n, ps in counts
    ]
    return sorted(found, key=lambda t: (t.customer_id is None, t.customer_id or "", t.week))


def _blocking_hold() -> ColumnElement[bool]:
    return exists().where(
        FindingRow.invoice_id == InvoiceRow.id,
        FindingRow.severity == "error",
        FindingRow.disposition == "hold",
    )


def suppliers(store: Store, p: Period, customer: str | None = None, limit: int = 10) -> list[SupplierCount]:
    """The suppliers with the most holds and returns (most first, at most ``limit``; invoices that
    could not be read have no supplier: ``supplier_key`` None, last among equals)."""
    # the held and the returned invoices, each one semi-join or filter (no subquery per invoice)
    columns = (InvoiceRow.supplier_key, InvoiceRow.supplier_name)
    rows = union_all(
        select(*columns, literal(1).label("held"), literal(0).label("returned")).where(
            *_within(p, customer), _blocking_hold()
        ),
        select(*columns, literal(0), literal(1)).where(
            *_within(p, customer), InvoiceRow.state == InvoiceState.RETURNED
        ),
    ).subquery()
    holds, returns = func.sum(rows.c.held), func.sum(rows.c.returned)
    total = (holds + returns).label("total")
    query = (
        select(rows.c.supplier_key, func.max(rows.c.supplier_name), holds, returns, total)
        .group_by(rows.c.supplier_key)
        .having(holds + returns > 0)
        .order_by(total.desc(), rows.c.supplier_key.is_(None), rows.c.supplier_key)
        .limit(limit)
    )
    with store.sessions() as s:
        found = s.execute(query).all()
    return [SupplierCount(key, name, int(h or 0), int(r or 0)) for key, name, h, r, _ in found]


def rules(store: Store, p: Period, customer: str | None = None, limit: int = 10) -> list[RuleCount]:
    """The rules (finding code and its error type) behind the most holds and returns."""
    invoice = FindingRow.invoice_id
    holds = func.count(distinct(case((FindingRow.disposition == "hold", invoice))))
    returned = and_(FindingRow.disposition == "return", InvoiceRow.state == InvoiceState.RETURNED)
    returns = func.count(distinct(case((returned, invoice))))
    total = (holds + returns).label("total")
    query = (
        select(FindingRow.code, FindingRow.reason, holds, returns, total)
        .join(InvoiceRow, InvoiceRow.id == FindingRow.invoice_id)
        .where(*_within(p, customer), FindingRow.severity == "error")
        .group_by(FindingRow.code, FindingRow.reason)
        .having(holds + returns > 0)
        .order_by(total.desc(), FindingRow.code, FindingRow.reason)
        .limit(limit)
    )
    with store.sessions() as s:
        found = s.execute(query).all()
    return [RuleCount(str(code), str(reason), int(h), int(r)) for code, reason, h, r, _ in found]


def customers(store: Store, p: Period) -> list[str]:
    """The customers with invoices received in the period (for the page's customer choice)."""
    query = (
        select(InvoiceRow.customer_id)
        .distinct()
        .where(*_within(p, None), InvoiceRow.customer_id.is_not(None))
        .order_by(InvoiceRow.customer_id)
    )
    with store.sessions() as s:
        return [str(c) for c in s.scalars(query)]
