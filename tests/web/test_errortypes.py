"""The Error types page: its reads equal the store's (counted again here in Python from the rows,
weeks from each invoice's time in Copenhagen), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select

from robot.store.repo import Store
from robot.store.schema import ErrorTypeRow, Event, FindingRow, InvoiceRow, InvoiceState
from robot.web.reads import errortypes as reads
from tests.web.errortypes_store import CPH, LAST_DAY, populated

__all__ = ["populated"]  # the fixture, used by name

PERIOD = reads.period(LAST_DAY, 12)


def week_of(row: InvoiceRow) -> str | None:
    """The invoice's ISO week in Copenhagen, if it is in the period."""
    year, week, _ = row.received_at.astimezone(CPH).isocalendar()
    label = f"{year}-W{week:02d}"
    return label if label in PERIOD.labels else None


def rows_of(store: Store) -> list[InvoiceRow]:
    with store.sessions() as s:
        return list(s.scalars(select(InvoiceRow).order_by(InvoiceRow.id)))


def human(store: Store) -> set[int]:
    """Invoices with a person's decision in their journey."""
    with store.sessions() as s:
        events = s.scalars(select(Event).where(Event.invoice_id.is_not(None)))
        return {e.invoice_id for e in events if e.invoice_id and "by" in (e.detail or {})}


def test_the_period_is_whole_weeks_in_copenhagen() -> None:
    assert PERIOD.labels[0] == "2026-W38" and PERIOD.labels[-1] == "2026-W49"
    assert PERIOD.end.astimezone(CPH).isoformat() == "2026-12-07T00:00:00+01:00"
    assert reads.period(date(2027, 1, 1), 1).labels == ["2026-W53"]  # 2026 has 53 ISO weeks
    assert len(reads.period(LAST_DAY, 10_000).weeks) == reads.MAX_WEEKS
    assert len(reads.period(LAST_DAY, 0).weeks) == 1


def test_error_type_counts_equal_the_stores(populated: tuple[Store, dict[str, int]]) -> None:
    store, _ = populated
    rows = {r.id: r for r in rows_of(store)}
    with store.sessions() as s:
        coded = list(s.execute(select(ErrorTypeRow.invoice_id, ErrorTypeRow.code)))
    expected = Counter(
        (week_of(rows[i]), rows[i].customer_id, code) for i, code in coded if week_of(rows[i]) is not None
    )
    got = reads.error_type_counts(store, PERIOD)
    assert {(c.week, c.customer_id, c.code): c.invoices for c in got} == dict(expected)
    assert len({c.week for c in got}) >= 4  # the invoices really are spread over weeks
    # the boundary: the first moment of W49 is in W49, the second before it in W48
    first, second, before = sorted(rows)[:3]
    assert week_of(rows[first]) == "2026-W49" and week_of(rows[second]) == "2026-W48"
    assert week_of(rows[before]) is None
    mine = reads.error_type_counts(store, PERIOD, "SFE")
    assert {c.customer_id for c in mine} == {"SFE"}
    assert sum(c.invoices for c in mine) == sum(n for (_, cust, _), n in expected.items() if cust == "SFE")


def test_touchless_counts_posted_invoices_no_person_decided(populated: tuple[Store, dict[str, int]]) -> None:
    store, decided = populated
    touched = human(store)
    assert decided["released"] in touched and decided["returned"] in touched
    rows = rows_of(store)
    assert {r.id: r.state for r in rows}[decided["released"]] == InvoiceState.POSTED
    expected: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        week = week_of(r)
        if week is None or r.state not in InvoiceState.DONE:
            continue
        counts = expected[(week, r.customer_id)]
        counts[0] += 1
        counts[1] += r.state == InvoiceState.POSTED
        counts[2] += r.state == InvoiceState.POSTED and r.id not in touched
    got = reads.touchless(store, PERIOD)
    assert {(t.week, t.customer_id): [t.decided, t.posted, t.touchless] for t in got} == dict(expected)
    assert any(t.posted > t.touchless for t in got)  # the released invoice is posted, not touchless
    assert all(t.rate is None or 0 <= t.rate <= 1 for t in got)


def test_suppliers_and_rules_causing_holds_and_returns(populated: tuple[Store, dict[str, int]]) -> None:
    store, _ = populated
    rows = {r.id: r for r in rows_of(store) if week_of(r) is not None}
    with store.sessions() as s:
        findings = [
            f for f in s.scalars(select(FindingRow)) if f.invoice_id in rows and f.severity == "error"
        ]
    holding = {f.invoice_id for f in findings if f.disposition == "hold"}
    suppliers: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows.values():
        suppliers[r.supplier_key][0] += r.id in holding
        suppliers[r.supplier_key][1] += r.state == InvoiceState.RETURNED
    expected = {k: v for k, v in suppliers.items() if sum(v)}
    got = reads.suppliers(store, PERIOD, limit=1000)
    assert {s.supplier_key: [s.holds, s.returns] for s in got} == expected
    totals = [s.total for s in got]
    assert totals == sorted(totals, reverse=True)
    assert [s.supplier_key for s in reads.suppliers(store, PERIOD, limit=3)] == [
        s.supplier_key for s in got[:3]
    ]

    rules: dict[tuple[str, str], list[set[int]]] = defaultdict(lambda: [set(), set()])
    for f in findings:
        if f.disposition == "hold":
            rules[(f.code, f.reason)][0].add(f.invoice_id)
        elif rows[f.invoice_id].state == InvoiceState.RETURNED:
            rules[(f.code, f.reason)][1].add(f.invoice_id)
    want = {k: [len(h), len(r)] for k, (h, r) in rules.items() if h or r}
    found = reads.rules(store, PERIOD, limit=1000)
    assert {(r.code, r.reason): [r.holds, r.returns] for r in found} == want
    assert ("MANUAL-RETURN", "REF") in want  # the return by hand is the person's rule
    totals = [r.total for r in found]
    assert totals == sorted(totals, reverse=True)


def test_customers_of_the_period(populated: tuple[Store, dict[str, int]]) -> None:
    store, _ = populated
    expected = sorted({r.customer_id for r in rows_of(store) if week_of(r) and r.customer_id})
    assert reads.customers(store, PERIOD) == expected


def test_labels_come_from_the_code_list() -> None:
    assert reads.label_of("REF", "da") == "Manglende eller forkert reference"
    assert reads.label_of("REF", "en") == "Missing or wrong reference"
    assert reads.label_of("NOPE", "en") == "NOPE"
