"""robot.web.reads.holds against the store: every filter selects exactly the invoices it says, paging
by key covers every held invoice exactly once in due order, and a restricted user sees one customer
(on SQLite and PostgreSQL).

The store is filled with held invoices of varied due dates (ties and none), customers, suppliers,
amounts, people, error types and findings, and with invoices that are not held; each expectation is
computed from that list in Python, independently of the SQL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from robot.store.repo import Store
from robot.store.schema import Document, ErrorTypeRow, FindingRow, InvoiceRow, InvoiceState
from robot.web.reads.holds import UNASSIGNED, HoldFilter, count_holds, hold_queue, make_key, parse_key

TODAY = date(2026, 12, 1)
CUSTOMERS = ("SFE", "MFP", "ITD")
SUPPLIERS = (
    ("12345678", "Kontorgrossisten A/S"),
    ("87654321", "Byg & Anlæg ApS"),
    ("kaffe 100%_ren", "Kaffe 100%_ren"),
)
PEOPLE = (None, "ANJE", "MOLA")
TYPES = ("PAY", "OTH", "REF", "PRI")
RULES = ("VENDOR-BANK", "AUTO-POST-LIMIT", "DUP-SUSPECT")


@dataclass(frozen=True)
class Made:
    id: int
    customer: str
    supplier_key: str
    supplier_name: str
    due: date | None
    amount: Decimal
    person: str | None
    types: tuple[str, ...]
    hold_rules: tuple[str, ...]
    warn_rules: tuple[str, ...]


def _fill(store: Store, count: int = 83) -> list[Made]:
    rnd = random.Random(12)
    made: list[Made] = []
    with store.sessions.begin() as s:
        doc = Document(sha256="0" * 64, size=1, content=b"x", filename="x.xml")
        s.add(doc)
        s.flush()
        for i in range(count + 20):
            held = i < count
            key, name = rnd.choice(SUPPLIERS)
            due = None if rnd.random() < 0.2 else TODAY + timedelta(days=rnd.randint(-6, 6))  # many ties
            row = InvoiceRow(
                document_id=doc.id,
                source="folder",
                source_ref=f"inv-{i:03d}.xml",
                state=InvoiceState.HELD if held else rnd.choice([InvoiceState.POSTED, InvoiceState.RETURNED]),
                customer_id=rnd.choice(CUSTOMERS),
                supplier_key=key,
                supplier_name=name,
                invoice_number=f"N{i}",
                due_date=due,
                payable=Decimal(rnd.randint(100, 99999)) / 100,
                currency="DKK",
                assigned_to=rnd.choice(PEOPLE),
            )
            types = tuple(sorted(set(rnd.sample(TYPES, rnd.randint(0, 2)))))
            row.error_types = ",".join(types) or None
            s.add(row)
            s.flush()
            for t in types:
                s.add(ErrorTypeRow(invoice_id=row.id, code=t))
            hold_rules = tuple(rnd.sample(RULES, rnd.randint(1, 2)))
            warn_rules = tuple(r for r in RULES if r not in hold_rules and rnd.random() < 0.5)
            for code, disposition in [*((c, "hold") for c in hold_rules), *((c, "post") for c in warn_rules)]:
                s.add(
                    FindingRow(
                        invoice_id=row.id,
                        code=code,
                        severity="warning",
                        disposition=disposition,
                        status="UQ",
                        reason="OTH",
                        action="NOA",
                        message_da=f"{code} <b>da</b>",
                        message_en=f"{code} en",
                    )
                )
            if held:
                made.append(
                    Made(
                        row.id,
                        row.customer_id or "",
                        key,
                        name,
                        due,
                        row.payable or Decimal(0),
                        row.assigned_to,
                        types,
                        hold_rules,
                        warn_rules,
                    )
                )
    return made


def _order(rows: list[Made]) -> list[int]:
    return [m.id for m in sorted(rows, key=lambda m: (m.due is None, m.due or TODAY, m.id))]


def _all(store: Store, filters: HoldFilter, limit: int = 7, only: str | None = None) -> list[int]:
    ids: list[int] = []
    after: str | None = None
    for _ in range(1000):
        page = hold_queue(store, filters, today=TODAY, after=after, limit=limit, only_customer=only)
        assert len(page.rows) <= limit
        ids.extend(r.id for r in page.rows)
        if page.next_key is None:
            return ids
        assert len(page.rows) == limit  # a page with a next one is full
        after = page.next_key
    raise AssertionError("paging did not end")


@pytest.fixture
def filled(store: Store) -> tuple[Store, list[Made]]:
    return store, _fill(store)


def test_paging_covers_every_held_invoice_once_due_first(filled: tuple[Store, list[Made]]) -> None:
    store, made = filled
    for limit in (1, 7, 50, 200):
        assert _all(store, HoldFilter(), limit) == _order(made)
    assert count_holds(store, HoldFilter(), today=TODAY) == (
        len(made),
        sum(1 for m in made if m.due and m.due < TODAY),
    )


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        (HoldFilter(customer="sfe"), lambda m: m.customer == "SFE"),
        (HoldFilter(error_type="PAY"), lambda m: "PAY" in m.types),
        (HoldFilter(error_type="PA"), lambda m: False),  # a part of a code matches nothing
        (HoldFilter(rule="vendor-bank"), lambda m: "VENDOR-BANK" in m.hold_rules),  # not the warnings
        (HoldFilter(supplier="DK 1234 5678"), lambda m: m.supplier_key == "12345678"),
        (HoldFilter(supplier="anlæg"), lambda m: m.supplier_name == "Byg & Anlæg ApS"),
        (HoldFilter(supplier="100%_"), lambda m: m.supplier_name == "Kaffe 100%_ren"),  # % and _ literal
        (HoldFilter(supplier="0%"), lambda m: m.supplier_name == "Kaffe 100%_ren"),
        (HoldFilter(due_before=TODAY), lambda m: m.due is not None and m.due < TODAY),
        (HoldFilter(amount_min=Decimal("250.00")), lambda m: m.amount >= Decimal("250.00")),
        (HoldFilter(amount_max=Decimal("500.50")), lambda m: m.amount <= Decimal("500.50")),
        (HoldFilter(assigned_to="anje"), lambda m: m.person == "ANJE"),
        (HoldFilter(assigned_to=UNASSIGNED), lambda m: m.person is None),
        (
            HoldFilter(
                customer="MFP", error_type="OTH", amount_min=Decimal(100), due_before=TODAY + timedelta(3)
            ),
            lambda m: (
                m.customer == "MFP"
                and "OTH" in m.types
                and m.amount >= 100
                and m.due is not None
                and m.due < TODAY + timedelta(3)
            ),
        ),
    ],
)
def test_each_filter_selects_what_it_says(
    filled: tuple[Store, list[Made]], filters: HoldFilter, wanted: object
) -> None:
    store, made = filled
    expected = _order([m for m in made if wanted(m)])  # type: ignore[operator]
    assert _all(store, filters) == expected
    assert count_holds(store, filters, today=TODAY)[0] == len(expected)


def test_a_restricted_user_sees_only_the_customer(filled: tuple[Store, list[Made]]) -> None:
    store, made = filled
    assert _all(store, HoldFilter(), only="ITD") == _order([m for m in made if m.customer == "ITD"])
    assert _all(store, HoldFilter(customer="SFE"), only="ITD") == []  # the filter cannot widen it


def test_rows_carry_hold_reasons_and_overdue_in_words(filled: tuple[Store, list[Made]]) -> None:
    store, made = filled
    by_id = {m.id: m for m in made}
    rows = hold_queue(store, HoldFilter(), today=TODAY, limit=200).rows
    for row in rows:
        m = by_id[row.id]
        assert [r.code for r in row.reasons] == list(m.hold_rules)
        late = (TODAY - m.due).days if m.due else 0
        if late > 0:
            plural = "s" if late != 1 else ""
            assert row.overdue_en == f"{late} day{plural} overdue"
            assert row.overdue_da == f"{late} {'dag' if late == 1 else 'dage'} over forfald"
        elif m.due == TODAY:
            assert (row.overdue_da, row.overdue_en) == ("forfalder i dag", "due today")
        else:
            assert row.overdue_en == row.overdue_da == ""
    assert any(r.days_overdue == 3 for r in rows) and any(r.days_overdue == 1 for r in rows)


def test_page_keys_round_trip_and_junk_starts_at_the_top() -> None:
    assert parse_key(make_key(TODAY, 12)) == (TODAY, 12)
    assert parse_key(make_key(None, 7)) == (None, 7)
    for junk in ("", "x", "d2026-13-01.4", "n", "d.", "n1e3", "d2026-12-01.x"):
        assert parse_key(junk) is None
