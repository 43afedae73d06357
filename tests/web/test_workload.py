"""The *Workload* numbers (robot.web.reads.workload) against a store whose answers are known, on
SQLite and PostgreSQL, and the page that shows them.

Held invoices with chosen people, customers, due dates and hold times, invoices that are not held,
and the people's decisions on chosen Copenhagen days (one just after midnight across the summer-time
change) are written to the store; each number is computed from that list independently.
"""

from __future__ import annotations

import math
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from robot.store.repo import Store
from robot.store.schema import Document, Event, InvoiceRow, InvoiceState, utcnow
from robot.web.reads.workload import BUCKETS, workload
from tests.web.conftest import HTML, ClientAs

# 2027-04-02 12:00 in Copenhagen (CEST, UTC+2): the last 14 days span the change on 28 March
NOW = datetime(2027, 4, 2, 10, 0, tzinfo=UTC)
TODAY = date(2027, 4, 2)
SUNDAY = date(2027, 4, 4)


Made = list[tuple[str | None, str, date | None, datetime]]
"""The held invoices written: (person, customer, due date, held since)."""


def _fill(store: Store) -> Made:
    rnd = random.Random(5)
    made: Made = []
    with store.sessions.begin() as s:
        doc = Document(sha256="1" * 64, size=1, content=b"x", filename="x.xml")
        s.add(doc)
        s.flush()
        for i in range(61):
            held = i < 47
            person = rnd.choice([None, "ANJE", "MOLA", "KAJE"])
            customer = rnd.choice(["SFE", "MFP", "ITD"])
            due = None if i % 9 == 0 else TODAY + timedelta(days=rnd.randint(-5, 6))
            since = NOW - timedelta(hours=rnd.randint(1, 24 * 40))
            s.add(
                InvoiceRow(
                    document_id=doc.id,
                    source="folder",
                    source_ref=f"w{i}",
                    state=InvoiceState.HELD if held else InvoiceState.POSTED,
                    customer_id=customer,
                    due_date=due,
                    assigned_to=person,
                    updated_at=since,
                )
            )
            if held:
                made.append((person, customer, due, since))
        s.flush()
        first = s.query(InvoiceRow).filter(InvoiceRow.customer_id == "SFE").first()
        other = s.query(InvoiceRow).filter(InvoiceRow.customer_id == "ITD").first()
        assert first is not None and other is not None
        decided = [
            (datetime(2027, 3, 27, 23, 30, tzinfo=UTC), "released", "ANJE", first.id),  # 28 Mar 00:30 CET
            (datetime(2027, 3, 28, 22, 30, tzinfo=UTC), "released", "ANJE", first.id),  # 29 Mar 00:30 CEST
            (datetime(2027, 3, 28, 21, 30, tzinfo=UTC), "returned-by-hand", "MOLA", first.id),  # 28 Mar
            (datetime(2027, 4, 2, 8, 0, tzinfo=UTC), "retry", "KAJE", other.id),
            (datetime(2027, 4, 2, 9, 0, tzinfo=UTC), "release-approved", "KAJE", other.id),
            (datetime(2027, 4, 2, 9, 30, tzinfo=UTC), "released", "MOLA", other.id),
            (datetime(2027, 3, 19, 21, 59, tzinfo=UTC), "released", "ANJE", first.id),  # 19 Mar: too old
            (datetime(2027, 4, 2, 9, 0, tzinfo=UTC), "comment", "ANJE", first.id),  # not a decision
        ]
        for at, kind, by, invoice_id in decided:
            s.add(Event(invoice_id=invoice_id, run_id=None, at=at, kind=kind, detail={"by": by}))
    return made


@pytest.fixture
def filled(store: Store) -> tuple[Store, Made]:
    return store, _fill(store)


def _load(rows: Made) -> tuple[int, int, int, int]:
    dues = [d for _, _, d, _ in rows]
    return (
        len(rows),
        sum(1 for d in dues if d is not None and d < TODAY),
        sum(1 for d in dues if d == TODAY),
        sum(1 for d in dues if d is not None and TODAY <= d <= SUNDAY),
    )


def test_held_per_person_and_customer_and_what_is_due(filled: tuple[Store, Made]) -> None:
    store, made = filled
    w = workload(store, now=NOW)
    assert w.today == TODAY
    t = w.total
    assert (t.held, t.overdue, t.due_today, t.due_week) == _load(made)
    people = {p.key: (p.held, p.overdue, p.due_today, p.due_week) for p in w.people}
    assert people == {k: _load([m for m in made if m[0] == k]) for k in {m[0] for m in made}}
    assert None in people  # the unassigned are a row of their own
    customers = {c.key: (c.held, c.overdue, c.due_today, c.due_week) for c in w.customers}
    assert customers == {k: _load([m for m in made if m[1] == k]) for k in {m[1] for m in made}}
    assert [c.held for c in w.customers] == sorted((c.held for c in w.customers), reverse=True)
    mine = workload(store, now=NOW, only_customer="mfp")
    assert mine.total.held == sum(1 for m in made if m[1] == "MFP") and [c.key for c in mine.customers] == [
        "MFP"
    ]


def test_how_long_holds_wait(filled: tuple[Store, Made]) -> None:
    store, made = filled
    w = workload(store, now=NOW).waiting
    ages = sorted(NOW - since for *_, since in made)
    n = len(ages)
    assert w.held == n
    assert w.median == ages[math.ceil(0.5 * n) - 1] and w.p90 == ages[math.ceil(0.9 * n) - 1]
    assert w.longest == ages[-1]
    bounds = [0, *BUCKETS, None]
    for bucket, low, high in zip(w.buckets, bounds[:-1], bounds[1:], strict=True):
        assert (bucket.low_days, bucket.high_days) == (low, high)
        assert bucket.count == sum(
            1 for a in ages if a >= timedelta(days=low or 0) and (high is None or a < timedelta(days=high))
        )
    assert sum(b.count for b in w.buckets) == n


def test_what_the_team_decided_per_day(filled: tuple[Store, Made]) -> None:
    store, _ = filled
    w = workload(store, now=NOW)
    assert w.days[0] == TODAY and w.days[-1] == date(2027, 3, 20) and len(w.days) == 14
    got = {(d.day, d.by): {k: n for k, n in d.counts.items() if n} for d in w.decisions}
    assert got == {
        (date(2027, 3, 28), "ANJE"): {"released": 1},
        (date(2027, 3, 28), "MOLA"): {"returned-by-hand": 1},
        (date(2027, 3, 29), "ANJE"): {"released": 1},
        (TODAY, "KAJE"): {"retry": 1, "release-approved": 1},
        (TODAY, "MOLA"): {"released": 1},
    }
    assert w.day_total(TODAY) == 3 and w.busiest_day == 3
    itd = workload(store, now=NOW, only_customer="ITD")
    assert {d.day for d in itd.decisions} == {TODAY}


def test_an_empty_store_has_no_numbers(store: Store) -> None:
    w = workload(store, now=NOW)
    assert w.total.held == 0 and w.people == [] and w.waiting.median is None and w.decisions == []


# --- the page -------------------------------------------------------------------------------------


def test_the_page_shows_the_numbers_and_the_team_decisions(
    client_as: ClientAs, csrf: Any, web_store: Store
) -> None:
    creditor = client_as("creditor")
    held = web_store.held()
    data = {"ids": [str(held[0].id)], "decision": "retry", "note": "x", "csrf_token": csrf(creditor)}
    assert creditor.post("/holds/decide", data=data, headers=HTML).status_code == 200
    hostile = '<script>alert(1)</script>"'
    assign = {"ids": [str(held[1].id)], "person": hostile, "csrf_token": csrf(creditor)}
    assert creditor.post("/holds/assign", data=assign, headers=HTML).status_code == 200
    page = client_as("viewer").get("/workload?lang=en", headers=HTML)
    assert page.status_code == 200
    text = page.text
    w = workload(web_store, now=utcnow())
    assert w.total.held == len(held) - 1
    for key, value in (("held", w.total.held), ("overdue", w.total.overdue), ("today", w.total.due_today)):
        assert re.search(rf'id="total-{key}">{value}<', text), key
    assert hostile not in text and str(escape(hostile)) in text
    assert "Unassigned" in text and "/holds?assigned=-" in text
    today = re.search(r'<tr class="day">\s*<th scope="rowgroup" rowspan="2">' + w.today.isoformat(), text)
    assert today is not None  # today: the team's row and the creditor's
    assert re.search(
        r"<td>creditor</td>\s*<td class=\"num\">0</td>\s*<td class=\"num\">0</td>\s*<td class=\"num\">1</td>",
        text,
    )
    assert " style=" not in text and "<style" not in text


def test_a_restricted_user_sees_one_customer(client_as: ClientAs, web_store: Store) -> None:
    text = client_as("viewer", "ITD").get("/workload", headers=HTML).text
    assert (
        re.search(r'id="total-held">2<', text)  # 0058 and 0061
        and "/holds?customer=ITD" in text
        and "customer=SFE" not in text
    )


def test_without_a_session_the_page_is_not_shown(anon: Any) -> None:
    answer = anon.get("/workload", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
