"""Notices a customer can act on and that leak nothing, over the demo samples end to end.

The Danish part of a digest is Danish and the English part English, found and expected values
included; amounts are written the Danish way in the Danish part, with the document's decimals;
an earlier invoice is named by number, supplier and date, never by the robot's internal id; the
configured contact signs every digest; a return by hand carries the reason code the person chose
and never the person's name (that stays in the journey), in the digest and the Invoice Response.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from lxml import etree

from classifiers.api import REGISTRY, Finding, PriorInvoice
from classifiers.engine import Classifier
from classifiers.keys import supplier_key
from connectors.base import OutgoingNotice
from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.configuration.settings import ContactSettings
from robot.pdftext import TemplateSet
from robot.processing.actions import Actions
from robot.processing.context import MasterData
from robot.processing.findings import manual_return
from robot.processing.returns import outcome_of
from robot.readers import read_document
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from tests.conftest import SAMPLES, sample_source
from tests.support.oracle import oracle_report

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
SPLIT = "---------------------------------------------------------------- English"
CONTACT = ContactSettings(
    name="Kreditorteamet, Statens Administration", email="kreditor@sa.example.dk", phone="+45 33 92 80 00"
)
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

#: Words that give English away in Danish text, and Danish in English text.
ENGLISH = re.compile(
    r"\b(the|is|are|must|and|or|of|with|not|no|an|found|expected|returned|invoice|supplier|number|"
    r"most|least|digits|amount|customer|missing|account|vendor|order|present|"
    r"between|above|line|lines|days|valid|known|before)\b",
    re.IGNORECASE,
)
DANISH = re.compile(
    r"\b(og|eller|er|skal|ikke|fundet|forventet|højst|mindst|faktura|fakturaen|leverandøren|"
    r"beløb|cifre|af|fra|mangler|linje|linjer|dage|kunde|kunden|kreditor|ordre|før|gyldigt|"
    r"udfyldt|mellem|på|være|nødvendig|også|kontrolciffer|tegn)\b",
    re.IGNORECASE,
)
#: An amount in English notation (``9475.00``), not a date or version (``30.03.2026``, ``19.05.01``).
ENGLISH_AMOUNT = re.compile(r"(?<![\d.,])\d+\.\d{2}(?![\d.,])")
QUOTED = re.compile(r"'[^']*'")  # values quoted from the document are the supplier's, not ours


def _robot(store: Store, source: MemorySource, notifier: MemoryNotifier) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    ledger = MemoryLedger()
    classifier = Classifier()
    templates = TemplateSet.load([SAMPLES / "pdf-templates"])
    actions = Actions(store, master, classifier, ledger, pdf_templates=templates, contact=CONTACT)
    return Robot(
        store, master, source=source, ledger=ledger, notifier=notifier, classifier=classifier, actions=actions
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, MemorySource, MemoryNotifier]]:
    """The samples after one run, then a return by hand of two held invoices and a second run."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('notices')}/store.db")
    source, notifier = sample_source(), MemoryNotifier()
    assert _robot(store, source, notifier).run(RunOptions()).status == "ok"
    for file in ("0043-oioubl-suspected-duplicate.xml", "0044-oioubl-bank-account-differs.xml"):
        [row] = store.find_invoices(file)
        reason = manual_return(
            "REF", "Oplys ordrenummeret til leverandøren", "Give the supplier the order number", "Anna K"
        )
        store.resolve_hold(row.id, "return", by="Anna K", note="ordrenummer mangler", finding=reason)
    assert _robot(store, source, notifier).run(RunOptions()).status == "ok"
    yield store, source, notifier
    store.close()


def _parts(notice: OutgoingNotice) -> tuple[str, str]:
    danish, english = notice.text.split(SPLIT)
    return danish, english


def _lines(part: str, labels: tuple[str, ...]) -> list[str]:
    """The finding lines of a digest part (what the robot wrote), quoted document values removed."""
    out = []
    for line in part.splitlines():
        text = line.strip().removeprefix("- ")
        for label in labels:
            if text.startswith(label + ":"):
                out.append(QUOTED.sub("''", text[len(label) + 1 :]))
    return out


DA_LABELS = ("Fejl", "Fundet", "Forventet", "Gør dette", "Fejltype", "Felt")
EN_LABELS = ("Problem", "Found", "Expected", "What to do", "Error type", "Field")


def test_sample_digests_have_danish_in_the_danish_part_and_english_in_the_english(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, notifier = demo
    assert len(notifier.sent) >= 5
    for notice in notifier.sent:
        danish, english = _parts(notice)
        da_lines, en_lines = _lines(danish, DA_LABELS), _lines(english, EN_LABELS)
        assert da_lines and len(da_lines) == len(en_lines), notice.subject
        for line in da_lines:
            assert not ENGLISH.search(line.replace("Invoice Response", "")), line
        for line in en_lines:
            assert not DANISH.search(line), line
        # before: "Forventet: a person reference (BT-10)", "Fundet: returned by Anna K"
        assert "Forventet: a " not in danish and "returned by" not in danish


def test_sample_digests_write_amounts_the_danish_way_with_the_documents_decimals(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, notifier = demo
    seen = ""
    for notice in notifier.sent:
        danish, _ = _parts(notice)
        seen += danish
        for line in _lines(danish, DA_LABELS):
            assert not ENGLISH_AMOUNT.search(line), line  # before: "Fundet: 9475.00"
        assert not re.search(r"\d[.,]\d{2}00\b", notice.text)  # never a store's "22650.0000"
    assert "Fundet: 9.475,00" in seen and "Forventet: højst 9.375,00" in seen  # PO-AMOUNT, sample 0037
    assert "Forventet: 9.375,00" in seen


def test_an_earlier_invoice_is_named_by_number_supplier_and_date_never_by_internal_id(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, notifier = demo
    text = "\n".join(n.text for n in notifier.sent)
    assert not re.search(r"(?<!\w)#\d+", text)  # before: "se faktura #1", "Fundet: 1"
    assert "se faktura KL-2026-0264 fra Kontorland A/S af 2. marts 2026 (beløb 22.650,00)" in text
    assert "see invoice KL-2026-0264 from Kontorland A/S of 2 March 2026 (amount 22650.00)" in text
    assert "Fundet: faktura KL-2026-0264 fra Kontorland A/S af 2. marts 2026" in text


def test_every_digest_names_the_configured_contact_in_both_languages(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, notifier = demo
    for notice in notifier.sent:
        danish, english = _parts(notice)
        assert (
            "Spørgsmål til fakturaerne: Kreditorteamet, Statens Administration, e-mail "
            "kreditor@sa.example.dk, telefon +45 33 92 80 00." in danish
        )
        assert (
            "Questions about these invoices: Kreditorteamet, Statens Administration, e-mail "
            "kreditor@sa.example.dk, telephone +45 33 92 80 00." in english
        )
        assert notice.html is not None and 'href="mailto:kreditor@sa.example.dk"' in notice.html


def test_a_return_by_hand_shows_the_chosen_code_and_never_the_caseworker(demo) -> None:  # type: ignore[no-untyped-def]
    store, _, notifier = demo
    manual = [*store.find_invoices("0043-oioubl-suspected-duplicate.xml")]
    manual += store.find_invoices("0044-oioubl-bank-account-differs.xml")
    assert len(manual) == 2
    for row in manual:
        fresh = store.invoice(row.id)
        number = fresh.invoice_number or ""
        [notice] = [n for n in notifier.sent if f"Faktura {number} " in n.text]
        danish, english = _parts(notice)
        item_da = danish.split(f"Faktura {number} ")[1].split("\n\n")[0]
        item_en = english.split(f"Invoice {number} ")[1].split("\n\n")[0]
        # before: "Fejltype: OTH Anden fejl; REF ..." (the internal hold's type) and "returned by Anna K"
        assert "Fejltype: REF Manglende eller forkert reference\n" in item_da, item_da
        assert "Error type: REF Missing or wrong reference\n" in item_en, item_en
        assert "Oplys ordrenummeret til leverandøren" in item_da and "Give the supplier" in item_en
        assert "Anna K" not in notice.text and "Anna K" not in (notice.html or "")

        xml = fresh.invoice_response or b""
        assert xml and b"Anna K" not in xml
        root = etree.fromstring(xml)
        reasons = root.xpath("//cbc:StatusReasonCode[@listID='OPStatusReason']/text()", namespaces=NS)
        assert reasons == ["REF"]
        assert root.xpath("string(cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName)", namespaces=NS)

        outcome, detail = outcome_of(store, fresh)
        assert outcome == "returned" and detail["error_types"] == "REF" and "Anna K" not in json.dumps(detail)
        _, events, _, _ = store.journey(row.id)  # the person's name stays in the journey
        assert any(e.kind == "returned-by-hand" or e.detail.get("by") == "Anna K" for e in events)


@pytest.mark.corpora
def test_invoice_responses_of_a_return_by_hand_pass_t111(demo) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = demo
    for file in ("0043-oioubl-suspected-duplicate.xml", "0044-oioubl-bank-account-differs.xml"):
        [row] = store.find_invoices(file)
        xml = store.invoice(row.id).invoice_response or b""
        report = oracle_report(xml, "t111")
        assert "undecided" not in report, report
        assert [f for f in report["fired"] if f["severity"] == "error"] == []


# --- every built-in rule: its found/expected texts in both languages -----------------------------


def _documents() -> Iterator[tuple[str, bytes, dict[str, str]]]:
    for entry in MANIFEST:
        path = SAMPLES / "inbox" / entry["file"]
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        yield entry["file"], path.read_bytes(), meta


def _findings() -> list[tuple[Finding, str]]:
    """Every finding every built-in rule gives on the samples, read twice (duplicates fire too),
    with the document's text and metadata (what a rule quotes from there is the supplier's)."""
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    templates = TemplateSet.load([SAMPLES / "pdf-templates"])
    classifier = Classifier()
    found: list[tuple[Finding, str]] = []
    for round_ in range(2):
        for index, (name, content, meta) in enumerate(_documents()):
            try:
                invoice = read_document(content, name, templates)
            except Exception:  # unreadable samples are held before any rule runs
                continue
            sha256 = hashlib.sha256(content).hexdigest()
            ctx = master.context(invoice, metadata=meta, sha256=sha256, invoice_id=round_ * 1000 + index + 1)
            quoted = content.decode("utf-8", "replace") + json.dumps(meta, ensure_ascii=False)
            found += [(f, quoted) for f in classifier.classify(invoice, ctx).findings]
            if round_ == 0 and invoice.number:
                payable = invoice.totals.payable
                prior = PriorInvoice(
                    index + 1, supplier_key(invoice), invoice.number, invoice.issue_date, payable
                )
                master.history.add(replace(prior, sha256=sha256))
    return found


def _ours(text: str | None, document: str) -> str:
    """The robot's words: a value quoted verbatim from the document is the supplier's."""
    text = QUOTED.sub("", text or "")
    return "" if text and text in document else text


def test_every_built_in_finding_on_the_samples_speaks_the_language_of_its_part() -> None:
    findings = _findings()
    codes = {f.code for f, _ in findings}
    assert {"DUP-NUMBER", "DUP-SUSPECT", "PO-AMOUNT", "DK-REFERENCE", "CUST-ACCOUNT-STRING"} <= codes
    assert len(codes) >= 25  # most rules fire somewhere in the samples
    for f, document in findings:
        for text in (f.found_in("da"), f.expected_in("da")):
            assert not ENGLISH.search(_ours(text, document)), (f.code, text)
            assert not ENGLISH_AMOUNT.search(text or ""), (f.code, text)
        for text in (f.found_in("en"), f.expected_in("en")):
            assert not DANISH.search(_ours(text, document)), (f.code, text)
        assert not re.search(r"(?<!\w)#\d+", f.message_da + f.message_en + (f.found or "")), f.code


def _literal_text(node: ast.expr) -> str:
    """The literal words of a string or f-string expression (empty for anything else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(_literal_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.IfExp):
        return f"{_literal_text(node.body)} {_literal_text(node.orelse)}"
    return ""


def test_no_built_in_rule_gives_english_prose_alone_as_found_or_expected() -> None:
    """Every rule, fired by the samples or not: found/expected prose comes as Text(da, en)."""
    builtin = Path(__file__).resolve().parent.parent / "classifiers" / "builtin"
    checked = 0
    for path in sorted(builtin.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "finding"):
                continue
            for kw in node.keywords:
                if kw.arg in ("found", "expected"):
                    checked += 1
                    words = _literal_text(kw.value)
                    assert not ENGLISH.search(words), f"{path.name}:{kw.value.lineno} {kw.arg}={words!r}"
    assert checked >= 100
    assert {spec.family for spec in REGISTRY if spec.func.__module__.startswith("classifiers.builtin")}
