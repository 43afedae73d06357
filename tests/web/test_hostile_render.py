"""A hostile invoice stays inert: its supplier name, note, line text, file name and the finding
texts quoting them carry script and markup payloads; the console shows every one literally and
no payload becomes an element, an attribute or a header.

:func:`hostile_invoice_store` builds such an invoice itself (a copy of a clean sample with the
payloads written in), runs the robot over it and returns the store; the browser tests use it too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

import lxml.html
import pytest

from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES
from tests.web.conftest import BASE_URL, HTML, PASSWORD, log_in
from tests.web.invoice_html import select as css
from tests.web.invoice_html import text

if TYPE_CHECKING:
    from robot.configuration.settings import LoadedConfig

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
NAME = f"Leverandør {SCRIPT} {IMG} A/S"
NOTE = f"Bemærk {IMG} og {SCRIPT}"
LINE = f"Kontorstol {SCRIPT}{IMG}"
FILENAME = "faktura\"\r\nX-Evil: 1; filename='a'<img src=x onerror=alert(1)>.xml"
UNKNOWN_CVR, UNKNOWN_GLN = "12345674", "5790000999996"  # not in the vendor master: VENDOR-UNKNOWN holds it
BASE = "0001-peppol-clean.xml"


@dataclass
class HostileStore:
    """A store holding one held hostile invoice; the caller closes ``store``."""

    store: Store
    config: LoadedConfig
    invoice_id: int
    filename: str
    world: Path


def hostile_xml() -> bytes:
    """The clean sample with the payloads as supplier name, note and line text, an unknown CVR and no
    order (the supplier's CVR is not the order's: it would be returned, not held)."""
    xml = (SAMPLES / "inbox" / BASE).read_text("utf-8")
    xml = xml.replace("Kontorland A/S", escape(NAME, {'"': "&quot;"}))
    xml = xml.replace("91200015", UNKNOWN_CVR).replace("5790000991006", UNKNOWN_GLN)
    xml = xml.replace(
        "<cac:OrderReference>\n    <cbc:ID>PO-2026-0001</cbc:ID>\n  </cac:OrderReference>\n", ""
    )
    xml = xml.replace("Kontorstol Ergo Plus", escape(LINE, {'"': "&quot;"}))
    xml = xml.replace(
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n  <cbc:Note>{escape(NOTE)}</cbc:Note>",
    )
    return xml.encode("utf-8")


def hostile_invoice_store(tmp_path: Path) -> HostileStore:
    """The robot's run over one hostile invoice in a store of its own under ``tmp_path``.

    The document comes from an in-memory source under the hostile file name (a purchase system or
    mail may hand over any name; the folder source refuses control characters itself), with the
    demo's master data; ``config`` is a copy of the demo configuration for the console.
    """
    from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
    from robot.configuration.settings import load_config
    from robot.pdftext import TemplateSet
    from robot.processing.context import MasterData
    from robot.running.run import Robot, RunOptions

    world = tmp_path / "hostile"
    shutil.copytree(SAMPLES, world / "samples", ignore=shutil.ignore_patterns("inbox"))
    store = Store.open(f"sqlite:///{world}/hostile.db")
    samples = world / "samples"
    master = MasterData.load(samples / "customers.yaml", samples / "vendors.yaml", samples / "orders.yaml")
    source = MemorySource()
    source.add(FILENAME, hostile_xml(), {})
    Robot(
        store,
        master,
        source=source,
        ledger=MemoryLedger(),
        notifier=MemoryNotifier(),
        pdf_templates=TemplateSet.load([samples / "pdf-templates"]),
    ).run(RunOptions(trigger="test"))
    [row] = store.find_invoices(FILENAME)
    return HostileStore(store, load_config(samples / "fakturarobot.yaml"), row.id, FILENAME, world)


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    made = hostile_invoice_store(tmp_path)
    yield made
    made.store.close()


@pytest.fixture
def client(hostile: HostileStore) -> Any:
    from fastapi.testclient import TestClient

    from robot.store.users import Users
    from robot.web.app import create_app

    Users(hostile.store.sessions).add("creditor", "creditor", PASSWORD)
    with TestClient(create_app(hostile.config, hostile.store), base_url=BASE_URL) as made:
        log_in(made, "creditor")
        yield made


def _inert(html: str) -> Any:
    """The page parsed; no payload became an element or an attribute."""
    tree = lxml.html.fromstring(html)
    scripts = [el.get("src") for el in tree.iter("script")]
    assert scripts == ["/static/console.js"], scripts  # the console's own, nothing inline
    assert not [el for el in tree.iter() if el.get("onerror") is not None]
    assert not [el for el in tree.iter("img") if el.get("src") == "x"]
    assert SCRIPT not in html and "<img src=x" not in html
    return tree


def test_the_hostile_invoice_was_read_and_held_with_the_payloads_in_its_finding(
    hostile: HostileStore,
) -> None:
    row = hostile.store.invoice(hostile.invoice_id)
    assert row.state == InvoiceState.HELD and row.supplier_name == NAME
    assert any(NAME in f.message_en for f in hostile.store.findings_of(hostile.invoice_id))


def test_the_invoice_page_shows_every_payload_literally(client: Any, hostile: HostileStore) -> None:
    got = client.get(f"/invoices/{hostile.invoice_id}", headers=HTML)
    assert got.status_code == 200
    assert "script-src 'self'" in got.headers["content-security-policy"]
    assert "unsafe-inline" not in got.headers["content-security-policy"]
    tree = _inert(got.text)
    assert text(tree, "h1 .supplier") == " ".join(NAME.split())
    assert NAME in text(tree, ".party.seller")
    assert NOTE in [el.text_content() for el in css(tree, ".references p.note")]
    assert LINE in text(tree, ".lines td.item")
    assert NAME in text(tree, ".finding .message")  # the finding's text quotes the name
    shown_name = css(tree, ".filename")[0].text_content()
    assert shown_name.split() == FILENAME.split()  # the name as it is, its line break kept as text


def test_the_search_page_shows_the_hostile_supplier_literally(client: Any) -> None:
    got = client.get("/search", params={"supplier": "leverandør"}, headers=HTML)
    tree = _inert(got.text)
    assert [el.text_content() for el in css(tree, ".search-results tbody td")][1] == NAME


def test_a_hostile_return_reason_stays_text_in_the_journey(client: Any, hostile: HostileStore) -> None:
    page = lxml.html.fromstring(client.get(f"/invoices/{hostile.invoice_id}", headers=HTML).text)
    token = css(page, "form.return input")[0].get("value")
    done = client.post(
        f"/invoices/{hostile.invoice_id}/return",
        data={"code": "OTH", "reason_da": NOTE, "reason_en": IMG, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    tree = _inert(client.get(f"/invoices/{hostile.invoice_id}", headers=HTML).text)
    last = css(tree, ".timeline li.event")[-1]
    assert NOTE in last.text_content()


@pytest.mark.parametrize("path", ["raw", "document"])
def test_the_hostile_file_name_never_reaches_a_header(client: Any, hostile: HostileStore, path: str) -> None:
    got = client.get(f"/invoices/{hostile.invoice_id}/{path}")
    if path == "document":
        assert got.status_code == 404  # XML: nothing to frame
        return
    assert got.status_code == 200 and got.content == hostile_xml()
    assert "x-evil" not in got.headers
    value = got.headers["content-disposition"]
    assert "\r" not in value and "\n" not in value and "<" not in value
    plain, extended = value.split("; filename*=UTF-8''")
    assert plain.startswith('attachment; filename="') and plain.count('"') == 2
    assert "'" not in extended and '"' not in extended and " " not in extended
    shown = unquote(extended)
    assert (
        "\r" not in shown and '"' not in shown and "X-Evil 1 filename=a" in shown and shown.endswith(".xml")
    )
    assert got.headers["content-type"] == "application/xml"
    assert got.headers["x-content-type-options"] == "nosniff"
