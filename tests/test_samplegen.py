"""The demo data generator: deterministic, equal to the committed samples, valid per the official rules."""

from __future__ import annotations

import filecmp
import hashlib
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from stdnum import ean
from stdnum.dk import cvr

from robot.configuration.masterdata import load_customers, load_orders, load_vendors
from robot.demo.samplegen import Manifest, generate, load_manifest
from tests.conftest import SAMPLES

UBL = {
    "invoice": "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "credit_note": "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
MANIFEST = load_manifest(SAMPLES / "manifest.yaml")
ENTRIES = {e.file: e for e in MANIFEST.entries}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    target = tmp_path_factory.mktemp("samples")
    return target, generate(target)


def _files(root: Path) -> list[str]:
    """The generator's outputs under ``root`` (fakturarobot.yaml and the like are not ours)."""
    names = [
        f"{n}.yaml" for n in ("customers", "vendors", "orders", "manifest") if (root / f"{n}.yaml").exists()
    ]
    inbox = sorted(f"inbox/{p.name}" for p in (root / "inbox").iterdir() if p.is_file())
    bank = sorted(f"bank/{p.name}" for p in (root / "bank").glob("*.xml")) if (root / "bank").is_dir() else []
    return names + inbox + bank


def test_generation_is_deterministic(fresh: tuple[Path, Manifest], tmp_path: Path) -> None:
    first, manifest = fresh
    again = generate(tmp_path)
    assert again == manifest
    assert _files(first) == _files(tmp_path)
    for name in _files(first):
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_committed_samples_equal_a_fresh_generation(fresh: tuple[Path, Manifest]) -> None:
    target, manifest = fresh
    assert _files(SAMPLES) == _files(target), "samples/ drifted: run `fakturarobot make-samples samples`"
    assert any(n.startswith("bank/") for n in _files(target)), "the bank files are part of the samples"
    mismatch = [n for n in _files(target) if not filecmp.cmp(SAMPLES / n, target / n, shallow=False)]
    assert mismatch == [], f"samples/ drifted from the generator: {mismatch[:5]}"
    assert manifest == MANIFEST


def test_another_seed_gives_another_set(tmp_path: Path) -> None:
    other = generate(tmp_path, seed=7)
    assert [e.scenario for e in other.entries] == [e.scenario for e in MANIFEST.entries]
    assert [e.sha256 for e in other.entries] != [e.sha256 for e in MANIFEST.entries]


def test_stale_inbox_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "9999-old.xml").write_text("<old/>")
    generate(tmp_path)
    assert not (tmp_path / "inbox" / "9999-old.xml").exists()


@pytest.mark.parametrize("entry", MANIFEST.entries, ids=lambda e: e.file)
def test_every_sample_is_xml_with_the_expected_root_and_sidecar(entry: object) -> None:
    from robot.demo.samplegen.manifest import ManifestEntry

    assert isinstance(entry, ManifestEntry)
    data = (SAMPLES / "inbox" / entry.file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry.sha256
    if entry.file.endswith(".pdf"):  # a printed PDF: no e-invoice XML embedded
        assert data.startswith(b"%PDF-") and b"EmbeddedFile" not in data and entry.file.endswith(".pdf")
    else:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        assert root.tag == UBL[entry.document_type]
        customization = root.findtext(f"{CBC}CustomizationID")
        assert customization == ("OIOUBL-2.1" if entry.format == "oioubl-2" else customization)
        if entry.format == "peppol-bis3":
            assert customization is not None and "peppol.eu:2017:poacc:billing:3.0" in customization
    meta = json.loads((SAMPLES / "inbox" / f"{entry.file}.meta.json").read_text(encoding="utf-8"))
    assert set(meta) == {"customer", "approver", "remark", "account"}
    assert (meta["remark"] != "") == (entry.scenario == "remark-til-sam")
    assert meta["customer"] == (entry.customer or "")


def test_manifest_covers_the_scenarios_and_verdicts() -> None:
    scenarios = Counter(e.scenario for e in MANIFEST.entries)
    printed = sum(1 for e in MANIFEST.entries if e.file.endswith(".pdf"))
    assert scenarios["clean"] > (len(MANIFEST.entries) - printed) / 2
    expected = {
        "missing-person-reference", "missing-order-number", "unknown-ean", "bad-ean-check-digit",
        "line-sum-mismatch", "vat-wrong", "payable-wrong", "duplicate", "resent-same-bytes",
        "suspected-duplicate", "bank-account-differs", "bad-fik-payment-id", "unknown-supplier",
        "order-not-found", "price-off-order", "quantity-off-order", "above-auto-post-limit",
        "missing-account-string", "disallowed-currency", "remark-til-sam", "payment-terms-over-30-days",
        "supplier-not-on-allow-list", "pdf-printed", "pdf-totals", "pdf-no-template", "pdf-untemplated",
    }  # fmt: skip
    assert expected <= set(scenarios)
    for e in MANIFEST.entries:
        assert e.verdict in ("post", "return", "hold")
        assert (e.reason is None) == (e.verdict == "post"), e.file
        assert e.description_da and e.description_en
    assert {e.format for e in MANIFEST.entries} == {
        "peppol-bis3",
        "oioubl-2",
        "pdf-text",
        "pdf-layout",
        "pdf",
    }
    assert {e.document_type for e in MANIFEST.entries if e.scenario == "clean"} == {"invoice", "credit_note"}
    assert ENTRIES["0001-peppol-clean.xml"].verdict == "post"


def test_duplicates_point_at_earlier_files() -> None:
    resent = next(e for e in MANIFEST.entries if e.scenario == "resent-same-bytes")
    assert resent.related_to is not None and resent.related_to < resent.file
    assert resent.sha256 == ENTRIES[resent.related_to].sha256
    dup = next(e for e in MANIFEST.entries if e.scenario == "duplicate")
    original = ENTRIES[dup.related_to or ""]
    assert dup.sha256 != original.sha256
    numbers = [
        etree.parse(str(SAMPLES / "inbox" / f)).getroot().findtext(f"{CBC}ID")
        for f in (dup.file, original.file)
    ]
    assert numbers[0] == numbers[1]


def test_master_data_matches_the_documents() -> None:
    customers = load_customers(SAMPLES / "customers.yaml").customers
    vendors = load_vendors(SAMPLES / "vendors.yaml")
    orders = load_orders(SAMPLES / "orders.yaml")
    assert 3 <= len(customers) <= 4 and len(vendors) >= 12
    assert all(ean.is_valid(e) and e.startswith("5798") for c in customers for e in c.eans)
    assert all(v.cvr and cvr.is_valid(v.cvr) for v in vendors)
    assert sum(v.nemkonto for v in vendors) == 1
    assert len({c.criteria.reference for c in customers}) >= 3
    vendor_cvrs = {v.cvr for v in vendors}
    for e in MANIFEST.entries:
        if e.scenario != "clean" or e.document_type != "invoice":
            continue
        root = etree.parse(str(SAMPLES / "inbox" / e.file)).getroot()
        order_no = root.findtext("{*}OrderReference/{*}ID")
        assert order_no in orders, f"{e.file}: order {order_no} missing from orders.yaml"
        order = orders[order_no]
        assert order.vendor_cvr in vendor_cvrs
        line_ext = Decimal(root.findtext("{*}LegalMonetaryTotal/{*}LineExtensionAmount") or "0")
        assert order.amount == line_ext, e.file


def test_samples_read_with_the_robot_readers() -> None:
    readers = pytest.importorskip("robot.readers")
    read_document = getattr(readers, "read_document", None)
    if read_document is None:
        pytest.skip("robot.readers.read_document is not available yet")
    from robot.pdftext import TemplateSet

    templates = TemplateSet.load([SAMPLES / "pdf-templates"])
    for e in MANIFEST.entries:
        if e.scenario in ("pdf-no-template", "pdf-damaged"):  # read without a template; cut off
            continue
        invoice = read_document((SAMPLES / "inbox" / e.file).read_bytes(), e.file, templates)
        assert invoice.format == e.format, e.file
        assert str(invoice.document_type) == e.document_type, e.file
        assert invoice.number, e.file
        assert (invoice.person_reference is None) == (e.scenario == "missing-person-reference"), e.file
        if e.scenario == "missing-order-number":
            assert invoice.order_reference is None


@pytest.mark.slow
@pytest.mark.corpora
def test_official_rules_agree_with_the_manifest() -> None:
    from tests.support.oracle import oracle_fired

    wrong = {}
    for e in MANIFEST.entries:
        if e.file.endswith(".pdf"):
            continue  # the official rules judge XML
        fired = oracle_fired(SAMPLES / "inbox" / e.file, severity="error")
        if fired != set(e.official_ids):
            wrong[e.file] = (sorted(fired), list(e.official_ids))
    assert wrong == {}
    assert all(not e.official_ids for e in MANIFEST.entries if e.scenario == "clean")


@pytest.mark.parametrize(
    "module",
    ["parties", "documents", "builder", "xmlutil", "vendors", "customers", "scenarios_base"],
)
def test_docstring_examples_hold(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"robot.demo.samplegen.{module}"))
    assert result.attempted > 0 and result.failed == 0
