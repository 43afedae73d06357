"""*Search*: every filter finds what a plain Python filter over all invoices finds (SQLite and
PostgreSQL), pages by keyset without gaps or repeats, uses its index, and the page links each
result to its invoice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select, text

from classifiers.keys import normalise_invoice_number
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, utcnow
from robot.web.reads.search import QueryError, SearchQuery, amount, filtered, search
from tests.web.conftest import HTML, ClientAs
from tests.web.invoice_html import select as css
from tests.web.support import run_samples


@pytest.fixture
def sample_store(store: Store) -> Iterator[Store]:
    """The ``store`` of tests/conftest.py (SQLite and PostgreSQL) after one run over the samples."""
    yield run_samples(store)


def _all(store: Store) -> list[InvoiceRow]:
    with store.sessions() as s:
        return list(s.scalars(select(InvoiceRow).order_by(InvoiceRow.id.desc())))


def _found(
    store: Store, q: SearchQuery, *, restrict_to: str | None = None, customers: tuple[str, ...] = ()
) -> list[int]:
    """Every invoice ``q`` finds, page by page (7 a page), following ``next_after``."""
    ids: list[int] = []
    after = None
    while True:
        page = search(store, replace(q, after=after, limit=7), restrict_to=restrict_to, customers=customers)
        ids += [r.invoice_id for r in page.rows]
        if page.next_after is None:
            return ids
        after = page.next_after


CUSTOMERS = ("SFE", "ITD", "MFP", "EKU")


def test_each_filter_finds_what_a_python_filter_over_every_invoice_finds(sample_store: Store) -> None:
    rows = _all(sample_store)
    assert len(rows) == 64
    kontorland = next(r for r in rows if r.source_ref == "0041-peppol-duplicate.xml")  # of 0001's number
    assert kontorland.supplier_name and "Kontorland" in kontorland.supplier_name
    number = kontorland.invoice_number or ""
    today = utcnow().date()
    key, wanted = kontorland.supplier_key, normalise_invoice_number(number)
    around = SearchQuery(received_from=today - timedelta(days=1), received_to=today + timedelta(days=1))
    cases: list[tuple[SearchQuery, Callable[[InvoiceRow], bool]]] = [
        (SearchQuery(number=f"  {number.lower()} "), lambda r: r.number_normalised == wanted),
        (SearchQuery(supplier="kontorLAND"), lambda r: "kontorland" in (r.supplier_name or "").casefold()),
        (SearchQuery(supplier=f"DK {key}"), lambda r: r.supplier_key == key),
        (SearchQuery(supplier="%"), lambda r: "%" in (r.supplier_name or "")),
        (SearchQuery(customer="sfe"), lambda r: r.customer_id == "SFE"),
        (SearchQuery(state="held"), lambda r: r.state == "held"),
        (SearchQuery(state="held", customer="MFP"), lambda r: r.state == "held" and r.customer_id == "MFP"),
        (SearchQuery(issued_from=date(2026, 3, 1), issued_to=date(2026, 3, 31)),
         lambda r: r.issue_date is not None and date(2026, 3, 1) <= r.issue_date <= date(2026, 3, 31)),
        (around, lambda r: True),
        (SearchQuery(received_to=today - timedelta(days=2)), lambda r: False),
        (SearchQuery(amount_min=amount("20.000,00"), amount_max=amount("30000")),
         lambda r: r.payable is not None and Decimal(20000) <= r.payable <= Decimal(30000)),
    ]  # fmt: skip
    for q, keep in cases:
        expected = [r.id for r in rows if keep(r)]
        assert _found(sample_store, q, customers=CUSTOMERS) == expected, q
    assert (
        len(_found(sample_store, SearchQuery(number=number), customers=CUSTOMERS)) == 2
    )  # it and its duplicate
    assert _found(sample_store, SearchQuery(supplier="kontorland")), "the name search finds something"


def test_paging_by_keyset_shows_every_invoice_once_newest_first(sample_store: Store) -> None:
    ids = _found(sample_store, SearchQuery(amount_min=Decimal(0)))
    payable = [r.id for r in _all(sample_store) if r.payable is not None and r.payable >= 0]
    assert ids == payable and len(ids) > 7 * 3  # several pages
    assert ids == sorted(set(ids), reverse=True)


def test_a_person_of_one_customer_finds_only_that_customers_invoices(sample_store: Store) -> None:
    everyone = [r.id for r in _all(sample_store) if r.state == "held"]
    theirs = [r.id for r in _all(sample_store) if r.state == "held" and r.customer_id == "MFP"]
    q = SearchQuery(state="held")
    assert _found(sample_store, q, restrict_to="mfp", customers=CUSTOMERS) == theirs != everyone
    assert (
        _found(
            sample_store, SearchQuery(customer="SFE", state="held"), restrict_to="MFP", customers=CUSTOMERS
        )
        == []
    )


def test_what_cannot_be_understood_is_refused_naming_the_field() -> None:
    for text_value in ("12,34,5x", "1e400", "NaN", "Infinity"):
        with pytest.raises(QueryError) as refused:
            amount(text_value, "amount_min")
        assert refused.value.field == "amount_min"
    with pytest.raises(QueryError):
        filtered(SearchQuery(state="lost"))


@pytest.mark.parametrize(
    ("q", "index"),
    [
        (SearchQuery(number="F-1"), "ix_invoices_number"),
        (SearchQuery(supplier="12345674"), "ix_invoices_supplier_id"),
        (SearchQuery(customer="SFE"), "ix_invoices_customer"),
        (SearchQuery(state="held"), "ix_invoices_state_id"),
    ],
    ids=["number", "supplier-cvr", "customer", "state"],
)
def test_each_search_uses_its_index(tmp_path: Path, q: SearchQuery, index: str) -> None:
    """On SQLite's plan: the filter is an index search in id order, never a scan of the table."""
    store = Store.open(f"sqlite:///{tmp_path}/plan.db")
    try:
        compiled = filtered(q).compile(store.engine, compile_kwargs={"literal_binds": True})
        with store.engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    finally:
        store.close()
    assert f"USING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort: the index gives the order


def test_the_page_searches_and_links_each_result_to_its_invoice(
    client_as: ClientAs, web_store: Store
) -> None:
    client = client_as("viewer")
    got = client.get("/search", params={"supplier": "kontorland", "state": ""}, headers=HTML)
    assert got.status_code == 200
    tree = lxml.html.fromstring(got.text)
    links = [a.get("href") for a in css(tree, ".search-results a.invoice-link")]
    expected = [r.id for r in _all(web_store) if "kontorland" in (r.supplier_name or "").casefold()]
    assert links == [f"/invoices/{i}" for i in expected] and links
    assert client.get(links[0], headers=HTML).status_code == 200
    assert not css(
        lxml.html.fromstring(client.get("/search", headers=HTML).text), ".results"
    )  # just the form


def test_the_page_pages_on_with_the_same_filters(client_as: ClientAs, web_store: Store) -> None:
    client = client_as("viewer")
    seen: list[str] = []
    url = "/search?amount_min=0"
    while url:
        tree = lxml.html.fromstring(client.get(url, headers=HTML).text)
        seen += [a.get("href") for a in css(tree, ".search-results a.invoice-link")]
        nexts = [a.get("href") for a in css(tree, ".paging a")]
        url = nexts[0] if nexts else ""
        assert not url or "amount_min=0" in url
    expected = [r.id for r in _all(web_store) if r.payable is not None and r.payable >= 0]
    assert seen == [f"/invoices/{i}" for i in expected] and len(expected) > 50


def test_the_page_refuses_a_bad_field_and_escapes_what_was_typed(client_as: ClientAs) -> None:
    client = client_as("viewer")
    hostile = '"><script>alert(1)</script>'
    got = client.get("/search", params={"amount_min": "lots", "supplier": hostile}, headers=HTML)
    assert got.status_code == 400
    assert "<script>alert(1)</script>" not in got.text and "&lt;script&gt;" in got.text
    tree = lxml.html.fromstring(got.text)
    assert css(tree, "#s-supplier")[0].get("value") == hostile
    assert "amount_min" in css(tree, ".alert.error")[0].text_content()


def test_search_needs_a_session_and_respects_a_customer_restriction(
    client_as: ClientAs, anon: object, web_store: Store
) -> None:
    refused = anon.get("/search?state=held", headers=HTML, follow_redirects=False)  # type: ignore[attr-defined]
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    tree = lxml.html.fromstring(client_as("viewer", "MFP").get("/search?state=held", headers=HTML).text)
    links = [a.get("href") for a in css(tree, ".search-results a.invoice-link")]
    expected = [r.id for r in _all(web_store) if r.state == "held" and r.customer_id == "MFP"]
    assert links == [f"/invoices/{i}" for i in expected] and links
