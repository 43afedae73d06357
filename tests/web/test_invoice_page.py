"""*An invoice* (``/invoices/{id}``): the document as a person reads it, each finding beside what it
disagrees with (vendor master, purchase order, earlier invoice), the journey and the files. The
decisions on the page: tests/web/test_invoice_decisions.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest
import yaml

from robot.configuration.masterdata import load_orders, load_vendors
from robot.readers import read_document
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from robot.web.render import money
from tests.conftest import SAMPLES
from tests.web.conftest import HTML, ClientAs
from tests.web.invoice_html import invoice_page as _page
from tests.web.invoice_html import select as css
from tests.web.invoice_html import text as _text
from tests.web.support import invoice_id as _id
from tests.web.support import run_samples

CLEAN = "0001-peppol-clean.xml"
BANK = "0044-oioubl-bank-account-differs.xml"
SUSPECT = "0043-oioubl-suspected-duplicate.xml"
DUPLICATE = "0041-peppol-duplicate.xml"
PRICE = "0048-peppol-price-off-order.xml"
PDF = "0056-pdf-printed-held.pdf"
RETURNED = "0029-peppol-missing-person-reference.xml"
LIMIT = "0050-peppol-above-auto-post-limit.xml"
UNKNOWN = "0046-peppol-unknown-supplier.xml"
MANIFEST = {e["file"]: e for e in yaml.safe_load((SAMPLES / "manifest.yaml").read_text("utf-8"))["documents"]}


def test_the_page_shows_the_document_parties_references_lines_vat_totals_and_payment(
    client_as: ClientAs, web_store: Store
) -> None:
    doc = read_document((SAMPLES / "inbox" / CLEAN).read_bytes(), CLEAN)
    tree = _page(client_as("viewer"), _id(web_store, CLEAN))
    seller, buyer = _text(tree, ".party.seller"), _text(tree, ".party.buyer")
    assert doc.seller.name and doc.seller.name in seller
    assert doc.seller.legal_id and doc.seller.legal_id.value in seller
    assert doc.buyer.name and doc.buyer.name in buyer
    assert doc.buyer.endpoint and doc.buyer.endpoint.value in buyer  # the EAN
    refs = _text(tree, ".references")
    assert doc.number and doc.number in refs
    assert doc.person_reference and doc.person_reference in refs
    lines = css(tree, ".lines tbody tr")
    assert len(lines) == len(doc.lines)
    for row, line in zip(lines, doc.lines, strict=True):
        cells = " ".join(row.text_content().split())
        assert line.item_name and line.item_name in cells
        assert money(line.net_amount) in cells
    vat = _text(tree, ".vat")
    for v in doc.vat_breakdown:
        assert money(v.tax_amount) in vat and money(v.taxable_amount) in vat
    totals = _text(tree, ".totals")
    assert money(doc.totals.payable) in totals and money(doc.totals.tax) in totals
    payment = _text(tree, ".payment")
    for pm in doc.payment_means:
        assert (pm.account or pm.payment_id or "") in payment
    assert not css(tree, ".findings .finding")  # clean: no findings
    assert not css(tree, "iframe")  # an XML invoice has no PDF to show


def test_a_bank_details_hold_shows_the_vendor_masters_account_beside_the_invoices(
    client_as: ClientAs, web_store: Store
) -> None:
    doc = read_document((SAMPLES / "inbox" / BANK).read_bytes(), BANK)
    assert doc.seller.legal_id is not None
    cvr = doc.seller.legal_id.value.removeprefix("DK")
    vendor = next(v for v in load_vendors(SAMPLES / "vendors.yaml") if v.cvr == cvr)
    tree = _page(client_as("creditor"), _id(web_store, BANK))
    finding = _text(tree, ".finding")
    assert "VENDOR-BANK" in finding and "BT-84" in finding
    assert "Bank details and payment means" in _text(tree, ".rule-description")  # the rule's description
    on_invoice, master = _text(tree, ".compare.bank .on-invoice"), _text(tree, ".compare.bank .in-master")
    assert doc.payment_means[0].account and doc.payment_means[0].account in on_invoice
    assert vendor.bank_account and vendor.bank_account in master and vendor.number in master
    assert vendor.bank_account not in on_invoice
    assert doc.payment_means[0].account in _text(tree, ".finding mark.on-document")


def _order_hold_world(world: Path) -> Store:
    """The price-off-order sample run alone where its customer holds order findings (not returns)."""
    from robot.configuration.wiring import build_robot
    from robot.running.run import RunOptions

    customers = world / "samples" / "customers.yaml"
    data = yaml.safe_load(customers.read_text("utf-8"))
    customer = next(c for c in data["customers"] if c["id"] == MANIFEST[PRICE]["customer"])
    rules = customer["criteria"].setdefault("rules", {})
    for code in ("PO-PRICE", "PO-AMOUNT", "PO-QUANTITY"):
        rules[code] = {"disposition": "hold"}
    customers.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    inbox = world / "var" / "demo" / "inbox"
    shutil.rmtree(inbox)
    inbox.mkdir()
    shutil.copy2(SAMPLES / "inbox" / PRICE, inbox / PRICE)
    url = f"sqlite:///{world}/orders.db"
    robot, _ = build_robot(world / "samples" / "fakturarobot.yaml", database_url=url)
    try:
        robot.run(RunOptions(trigger="test"))
    finally:
        robot.store.close()
    return Store.open(url, existing=True)


def test_an_order_hold_shows_the_purchase_orders_lines_beside_the_invoice_lines(web_world: Path) -> None:
    from fastapi.testclient import TestClient

    from robot.configuration.settings import load_config
    from robot.store.users import Users
    from robot.web.app import create_app
    from tests.web.conftest import BASE_URL, PASSWORD, log_in

    store = _order_hold_world(web_world)
    try:
        invoice_id = _id(store, PRICE)
        assert store.invoice(invoice_id).state == InvoiceState.HELD
        Users(store.sessions).add("viewer", "viewer", PASSWORD)
        with TestClient(
            create_app(load_config(web_world / "samples" / "fakturarobot.yaml"), store), base_url=BASE_URL
        ) as client:
            log_in(client, "viewer")
            tree = _page(client, invoice_id)
    finally:
        store.close()
    doc = read_document((SAMPLES / "inbox" / PRICE).read_bytes(), PRICE)
    assert doc.order_reference is not None
    order = load_orders(SAMPLES / "orders.yaml")[doc.order_reference]
    section = _text(tree, ".compare.order")
    assert order.number in section
    rows = css(tree, ".compare.order .order-lines tbody tr")
    assert len(rows) == len(order.lines)
    for row, ol in zip(rows, order.lines, strict=True):
        cells = [" ".join(td.text_content().split()) for td in css(row, "td")]
        assert cells[0] == ol.line_id and cells[2] == str(ol.quantity) and cells[3] == str(ol.price)
        invoiced = next(ln for ln in doc.lines if ln.order_line_reference == ol.line_id)
        assert cells[6] == str(invoiced.price) and invoiced.price != ol.price
    assert css(row, "mark"), "the line the finding points at is marked"


@pytest.mark.parametrize("ref", [SUSPECT, DUPLICATE])
def test_a_duplicate_links_the_earlier_invoice(client_as: ClientAs, web_store: Store, ref: str) -> None:
    earlier = _id(web_store, MANIFEST[ref]["related_to"])
    tree = _page(client_as("viewer"), _id(web_store, ref))
    links = [a.get("href") for a in css(tree, ".compare.earlier a.earlier-invoice")]
    assert f"/invoices/{earlier}" in links
    assert _page(client_as("viewer"), earlier) is not None


def test_a_pdf_is_shown_in_the_page_and_served_inline_to_the_page_only(
    client_as: ClientAs, web_store: Store
) -> None:
    client = client_as("viewer")
    invoice_id = _id(web_store, PDF)
    page = client.get(f"/invoices/{invoice_id}", headers=HTML)
    assert "frame-src 'self'" in page.headers["content-security-policy"]
    frames = css(lxml.html.fromstring(page.text), "iframe.pdf")
    assert [f.get("src") for f in frames] == [f"/invoices/{invoice_id}/document"]
    pdf = client.get(f"/invoices/{invoice_id}/document")
    assert pdf.status_code == 200 and pdf.content == (SAMPLES / "inbox" / PDF).read_bytes()
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline; filename=")
    assert "frame-ancestors 'self'" in pdf.headers["content-security-policy"]
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/invoices/{_id(web_store, CLEAN)}/document").status_code == 404  # XML: no PDF


@pytest.mark.parametrize(("ref", "kind"), [(CLEAN, "application/xml"), (PDF, "application/pdf")])
def test_the_raw_document_downloads_with_safe_headers(
    client_as: ClientAs, web_store: Store, ref: str, kind: str
) -> None:
    got = client_as("viewer").get(f"/invoices/{_id(web_store, ref)}/raw")
    assert got.status_code == 200 and got.content == (SAMPLES / "inbox" / ref).read_bytes()
    assert got.headers["content-type"] == kind
    assert got.headers["content-disposition"] == f"attachment; filename=\"{ref}\"; filename*=UTF-8''{ref}"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in got.headers["content-security-policy"]


def test_a_returned_invoice_shows_its_notice_and_invoice_response(
    client_as: ClientAs, web_store: Store
) -> None:
    from robot.web.reads.invoice_journey import response_view

    invoice_id = _id(web_store, RETURNED)
    row = web_store.invoice(invoice_id)
    assert row.invoice_response and row.notice_id
    client = client_as("viewer")
    tree = _page(client, invoice_id)
    shown = response_view(row.invoice_response)
    response = _text(tree, ".invoice-response")
    assert shown.status and shown.status in response
    assert [" ".join(li.text_content().split()).split()[0] for li in css(tree, ".response-statuses li")] == [
        s.code for s in shown.statuses
    ]
    assert "REF" in [s.code for s in shown.statuses]
    notice = _text(tree, ".notice")
    assert (row.invoice_number or "") in _text(tree, ".notice-text")
    from robot.store.schema import NoticeRow

    with web_store.sessions() as s:
        subject = s.get_one(NoticeRow, row.notice_id).subject
    assert " ".join(subject.split()) in notice
    got = client.get(f"/invoices/{invoice_id}/invoice-response")
    assert got.status_code == 200 and got.content == row.invoice_response
    assert got.headers["content-type"] == "application/xml"
    assert got.headers["content-disposition"].startswith("attachment; filename=")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/invoices/{_id(web_store, CLEAN)}/invoice-response").status_code == 404


def test_the_journey_shows_every_event_with_who_and_danish_time(
    client_as: ClientAs, web_store: Store
) -> None:
    from robot.web.render import when

    invoice_id = _id(web_store, BANK)
    _, events, _, _ = web_store.journey(invoice_id)
    items = css(_page(client_as("viewer"), invoice_id), ".timeline li.event")
    assert len(items) == len(events) > 3
    for item, event in zip(items, events, strict=True):
        assert item.get("class") == f"event kind-{event.kind}"
        assert css(item, "time")[0].text == when(event.at)
        assert css(item, ".by")[0].text == f"run {event.run_id}"


@pytest.fixture
def sample_store(store: Store) -> Store:
    """The ``store`` of tests/conftest.py (SQLite and PostgreSQL) after one run over the samples."""
    return run_samples(store)


def test_every_samples_page_reads_its_document_and_finds_what_it_disagrees_with(sample_store: Store) -> None:
    """On SQLite and PostgreSQL: each duplicate names the sample it repeats, each bank hold its vendor,
    each order finding its order; every document is read again as the run read it."""
    from robot.configuration.settings import load_config
    from robot.web.reads.invoice import invoice_page

    config = load_config(SAMPLES / "fakturarobot.yaml")
    orders = load_orders(SAMPLES / "orders.yaml")
    for ref, entry in MANIFEST.items():
        page = invoice_page(sample_store, _id(sample_store, ref), config=config)
        assert page is not None
        assert (page.document is None) == (page.read_error is not None), ref
        codes = {f.code for f in page.findings}
        if entry["verdict"] != "post" and entry["related_to"]:
            earlier = [e.invoice_id for e in page.comparison.earlier]
            assert _id(sample_store, entry["related_to"]) in earlier, ref
        assert (page.comparison.bank is not None) == ("VENDOR-BANK" in codes), ref
        if codes & {"PO-PRICE", "PO-QUANTITY", "PO-AMOUNT"}:
            assert page.comparison.order is not None and page.comparison.order.order is not None
            assert page.comparison.order.order == orders[page.comparison.order.number]
        assert len(page.events) >= 4 and page.events[0].kind == "received"
    assert invoice_page(sample_store, 10**9, config=config) is None
    assert invoice_page(sample_store, _id(sample_store, CLEAN), config=config, customer_id="NOPE") is None


def test_the_page_says_who_the_invoice_is_assigned_to(client_as: ClientAs, web_store: Store) -> None:
    from robot.processing import manual

    invoice_id = _id(web_store, BANK)
    client = client_as("viewer")
    assert _text(_page(client, invoice_id), ".facts .assigned") == "ingen"
    manual.assign(web_store, [invoice_id], "KAJE", "ANJE")
    assert _text(_page(client, invoice_id), ".facts .assigned") == "KAJE"


def test_a_person_of_one_customer_is_not_shown_another_customers_order() -> None:
    from robot.configuration.settings import load_config
    from robot.web.reads.compare import master_data, order_lines

    master = master_data(load_config(SAMPLES / "fakturarobot.yaml"))
    assert master is not None
    invoice = read_document((SAMPLES / "inbox" / PRICE).read_bytes(), PRICE)
    own = MANIFEST[PRICE]["customer"]
    shown = order_lines(invoice, master, own)
    assert shown is not None and shown.order is not None and shown.order.customer_id == own
    other = order_lines(invoice, master, "SFE" if own != "SFE" else "ITD")
    assert other is not None and other.order is None and other.number == invoice.order_reference
