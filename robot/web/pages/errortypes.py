"""*Error types*: ``/error-types`` (charts with their numbers) and ``/error-types.csv?table=...``.

Over a period of whole ISO weeks (``weeks``, default 12, ending with the week of ``until``,
default today in Copenhagen) and optionally one customer (a person limited to one customer
always sees only theirs), the page shows what goes wrong by error type, customer and week, the
touchless rate per customer and week, and the suppliers and rules behind the most holds and
returns (:mod:`robot.web.reads.errortypes`). Every chart is server-side SVG
(:mod:`robot.web.charts`) with a table of its numbers beside it, and every table downloads as CSV
(``text/csv``, an attachment; a text cell a spreadsheet would run as a formula gets a ``'``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Literal, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from robot.store.repo import Store
from robot.store.schema import utcnow
from robot.web import charts
from robot.web.csvfile import Cell, csv_response
from robot.web.deps import User, store_of, viewer
from robot.web.reads import errortypes as reads
from robot.web.render import lang_of, render, translator

router = APIRouter()

TableName = Literal["by-type", "by-customer", "by-week", "touchless", "suppliers", "rules", "counts"]
TABLES: tuple[str, ...] = get_args(TableName)
Column = tuple[str, str, str]  # (Danish, English, kind: "text" | "count" | "rate")
#: lines in a line chart (the largest series; the table has them all)
MAX_LINES = 8
WEEK: Column = ("Uge", "Week", "text")
CUSTOMER: Column = ("Kunde", "Customer", "text")
ERROR_TYPE: Column = ("Fejltype", "Error type", "text")
MEANING: Column = ("Betydning", "Meaning", "text")
HELD: Column = ("Tilbageholdt", "Held", "count")
RETURNED: Column = ("Returneret", "Returned", "count")
TOTAL: Column = ("I alt", "Total", "count")
DECIDED: Column = ("Afgjort", "Decided", "count")
POSTED: Column = ("Bogført", "Posted", "count")
RATE: Column = ("Andel", "Rate", "rate")


@dataclass
class Table:
    """One table of the page, as HTML shows it and CSV downloads it. A ``rate`` cell is 0..1."""

    name: str
    title: str
    columns: list[str]
    kinds: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: Markup | None = None


@dataclass(frozen=True)
class Choice:
    weeks: int
    until: date
    customer: str | None

    def query(self, **extra: str) -> str:
        params = {"weeks": str(self.weeks), "until": self.until.isoformat(), **extra}
        if self.customer:
            params["customer"] = self.customer
        return urlencode(params)


def choice(
    user: User = Depends(viewer),
    weeks: int = Query(reads.DEFAULT_WEEKS, ge=1, le=reads.MAX_WEEKS),
    until: date | None = Query(None),
    customer: str | None = Query(None, max_length=64),
) -> Choice:
    """The period and customer asked for; a person limited to a customer gets that customer."""
    today = utcnow().astimezone(reads.COPENHAGEN).date()
    chosen = user.customer_id if user.customer_id is not None else (customer or None)
    return Choice(weeks, until or today, chosen)


class Report:
    """The page's tables (each with its chart), each read from the store only when asked for."""

    def __init__(self, store: Store, chosen: Choice, lang: str) -> None:
        self.store, self.chosen, self.lang = store, chosen, lang
        self._ = translator(lang)
        self.period = reads.period(chosen.until, chosen.weeks)
        self.unknown = self._("(ingen kunde)", "(no customer)")

    def table(self, name: str) -> Table:
        build = {
            "by-type": self.by_type,
            "by-customer": self.by_customer,
            "by-week": self.by_week,
            "touchless": self.touchless,
            "suppliers": self.suppliers,
            "rules": self.rules,
            "counts": self.counts_table,
        }
        return build[name]()

    def all(self) -> list[Table]:
        return [self.table(name) for name in TABLES]

    @cached_property
    def counts(self) -> list[reads.ErrorTypeCount]:
        return reads.error_type_counts(self.store, self.period, self.chosen.customer)

    @cached_property
    def codes(self) -> list[str]:
        """The error types of the period, the most frequent first."""
        totals = Counter[str]()
        for c in self.counts:
            totals[c.code] += c.invoices
        return sorted(totals, key=lambda code: (-totals[code], code))

    def _who(self, customer_id: str | None) -> str:
        return customer_id or self.unknown

    def label(self, code: str) -> str:
        return reads.label_of(code, self.lang)

    def _table(
        self, name: str, title: tuple[str, str], columns: list[Column], rows: list[list[Cell]]
    ) -> Table:
        names = [self._(da, en) for da, en, _kind in columns]
        return Table(name, self._(*title), names, [kind for *_text, kind in columns], rows)

    def counts_table(self) -> Table:
        return self._table(
            "counts",
            ("Fakturaer pr. fejltype, kunde og uge", "Invoices by error type, customer and week"),
            [WEEK, CUSTOMER, ERROR_TYPE, MEANING, ("Fakturaer", "Invoices", "count")],
            [[c.week, self._who(c.customer_id), c.code, self.label(c.code), c.invoices] for c in self.counts],
        )

    def by_type(self) -> Table:
        per = Counter[str]()
        for c in self.counts:
            per[c.code] += c.invoices
        total = sum(per.values())
        table = self._table(
            "by-type",
            ("Fakturaer pr. fejltype", "Invoices by error type"),
            [ERROR_TYPE, MEANING, ("Fakturaer", "Invoices", "count"), ("Andel", "Share", "rate")],
            [[code, self.label(code), per[code], per[code] / total] for code in self.codes],
        )
        table.chart = charts.bars([(f"{c} {self.label(c)}", per[c]) for c in self.codes], title=table.title)
        return table

    def _pivot(self, name: str, title: tuple[str, str], first: Column, keys: list[str], by: str) -> Table:
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for c in self.counts:
            sums[(self._who(c.customer_id) if by == "customer" else c.week, c.code)] += c.invoices
        keys = keys or sorted({key for key, _code in sums})
        rows: list[list[Cell]] = []
        for key in keys:
            values = [sums.get((key, code), 0) for code in self.codes]
            rows.append([key, *values, sum(values)])
        columns = [first, *((code, code, "count") for code in self.codes), TOTAL]
        return self._table(name, title, columns, rows)

    def by_customer(self) -> Table:
        return self._pivot(
            "by-customer", ("Fejltyper pr. kunde", "Error types by customer"), CUSTOMER, [], "customer"
        )

    def by_week(self) -> Table:
        weeks = self.period.labels
        table = self._pivot("by-week", ("Fejltyper pr. uge", "Error types by week"), WEEK, weeks, "week")
        columns = {code: i + 1 for i, code in enumerate(self.codes)}
        series = [
            (code, [float(row[columns[code]] or 0) for row in table.rows]) for code in self.codes[:MAX_LINES]
        ]
        table.chart = charts.lines(weeks, series, title=table.title)
        return table

    def touchless(self) -> Table:
        flow = reads.touchless(self.store, self.period, self.chosen.customer)
        table = self._table(
            "touchless",
            ("Berøringsfri andel pr. kunde og uge", "Touchless rate by customer and week"),
            [
                CUSTOMER,
                WEEK,
                DECIDED,
                POSTED,
                ("Berøringsfri", "Touchless", "count"),
                ("Andel", "Rate", "rate"),
            ],
            [[self._who(t.customer_id), t.week, t.decided, t.posted, t.touchless, t.rate] for t in flow],
        )
        volume = Counter[str]()
        rates: dict[tuple[str, str], float | None] = {}
        for t in flow:
            volume[self._who(t.customer_id)] += t.decided
            rates[(self._who(t.customer_id), t.week)] = t.rate
        biggest = sorted(volume, key=lambda cust: (-volume[cust], cust))[:MAX_LINES]
        weeks = self.period.labels
        series = [(cust, [rates.get((cust, w)) for w in weeks]) for cust in biggest]
        table.chart = charts.lines(weeks, series, title=table.title, number=charts.percent, y_max=1.0)
        return table

    def suppliers(self) -> Table:
        found = reads.suppliers(self.store, self.period, self.chosen.customer)
        nameless = self._("(ukendt)", "(unknown)")
        table = self._table(
            "suppliers",
            (
                "Leverandører med flest tilbageholdte og returnerede",
                "Suppliers with the most holds and returns",
            ),
            [("Leverandør", "Supplier", "text"), ("CVR/nøgle", "CVR/key", "text"), HELD, RETURNED, TOTAL],
            [[s.supplier_name or nameless, s.supplier_key or "", s.holds, s.returns, s.total] for s in found],
        )
        bars = [(s.supplier_name or s.supplier_key or nameless, s.total) for s in found]
        table.chart = charts.bars(bars, title=table.title)
        return table

    def rules(self) -> Table:
        found = reads.rules(self.store, self.period, self.chosen.customer)
        table = self._table(
            "rules",
            ("Regler med flest tilbageholdte og returnerede", "Rules with the most holds and returns"),
            [("Regel", "Rule", "text"), ERROR_TYPE, MEANING, HELD, RETURNED, TOTAL],
            [[r.code, r.reason, self.label(r.reason), r.holds, r.returns, r.total] for r in found],
        )
        table.chart = charts.bars([(r.code, r.total) for r in found], title=table.title)
        return table


@router.get("/error-types")
def page(request: Request, chosen: Choice = Depends(choice), store: Store = Depends(store_of)) -> Response:
    lang = lang_of(request)
    report = Report(store, chosen, lang)
    context = {
        "tables": {t.name: t for t in report.all()},
        "chosen": chosen,
        "period": report.period,
        "first_day": report.period.start.date(),
        "last_day": (report.period.end - timedelta(days=1)).date(),
        "customers": reads.customers(store, report.period),
        "csv_url": lambda name: "/error-types.csv?" + chosen.query(table=name, lang=lang),
        "max_weeks": reads.MAX_WEEKS,
    }
    return render(request, "errortypes.html", context)


@router.get("/error-types.csv")
def download(
    request: Request,
    table: TableName = Query(...),
    chosen: Choice = Depends(choice),
    store: Store = Depends(store_of),
) -> Response:
    report = Report(store, chosen, lang_of(request))
    labels = report.period.labels
    name = f"fakturarobot-{table}-{labels[0]}-{labels[-1]}.csv"
    chosen_table = report.table(table)
    return csv_response(name, chosen_table.columns, chosen_table.rows)
