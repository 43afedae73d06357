"""Unit tests of the OIOUBL 2.x arithmetic rules (F-INV*, F-CRN*) on hand-built invoices."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from classifiers.api import Finding
from robot.model import AllowanceCharge, DocumentType, Invoice, Line, VatBreakdown
from robot.readers import read_document
from tests.conftest import CORPORA, ROOT, corpora_path
from tests.support.rules import Families, consistent_totals


def clean(document_type: DocumentType = DocumentType.INVOICE) -> Invoice:
    """The official example's totals: lines 5050.00, VAT 1262.50 (in TaxExclusiveAmount), 6312.50."""
    return Invoice(
        format="oioubl-2",
        document_type=document_type,
        lines=[
            Line(
                id="1",
                quantity=D("50"),
                unit="EA",
                price=D("100"),
                base_quantity=D("1"),
                base_quantity_unit="EA",
                net_amount=D("5000.00"),
                vat_rate=D("25"),
            ),
            Line(id="2", quantity=D("1"), price=D("50"), net_amount=D("50.00"), vat_rate=D("25")),
        ],
        vat_breakdown=[
            VatBreakdown(
                category="StandardRated", rate=D("25"), taxable_amount=D("5050.00"), tax_amount=D("1262.50")
            )
        ],
        totals=consistent_totals("5050.00", "1262.50", oioubl_tax_exclusive_element=D("1262.50")),
    )


OIOUBL = Families("oioubl")
findings, ids = OIOUBL.findings, OIOUBL.ids


def test_clean_oioubl_invoice_and_credit_note_pass() -> None:
    assert findings(clean()) == []
    assert findings(clean(DocumentType.CREDIT_NOTE)) == []


def test_other_formats_are_left_to_the_en16931_family() -> None:
    inv = clean()
    inv.format = "peppol-bis3"
    inv.totals.payable = D("1.00")
    assert findings(inv) == []


def test_tax_exclusive_element_is_the_vat_amount() -> None:
    inv = clean()
    inv.totals.oioubl_tax_exclusive_element = D("5050.00")  # the Peppol meaning is wrong in OIOUBL
    (f,) = findings(inv)
    assert f.official_ids == ("F-INV127",) and f.code == "OIO-TOTALS"
    assert "TaxExclusiveAmount" in f.message_da and "1.262,50" in f.message_da and "5.050,00" in f.message_da
    assert "gives 1262.50 but TaxExclusiveAmount" in f.message_en


@pytest.mark.parametrize(
    ("change", "invoice_id", "credit_id"),
    [
        (lambda i: setattr(i.totals, "line_extension", D("5050.01")), "F-INV126", "F-CRN072"),
        (lambda i: setattr(i.totals, "tax_inclusive", D("6312.51")), "F-INV128", "F-CRN074"),
        (lambda i: setattr(i.totals, "allowances", D("10.00")), "F-INV129", "F-CRN075"),
        (lambda i: setattr(i.totals, "charges", D("10.00")), "F-INV130", "F-CRN076"),
        (lambda i: setattr(i.totals, "payable", D("6312.60")), "F-INV133", "F-CRN079"),
        (lambda i: setattr(i.totals, "rounding", D("10.01")), "F-INV338", "F-CRN208"),
        (lambda i: setattr(i.lines[0], "net_amount", D("5001.01")), "F-INV340", "F-CRN210"),
    ],
)
def test_each_check_fires_with_the_document_types_own_id(
    change: object, invoice_id: str, credit_id: str
) -> None:
    for document_type, official in (
        (DocumentType.INVOICE, invoice_id),
        (DocumentType.CREDIT_NOTE, credit_id),
    ):
        inv = clean(document_type)
        change(inv)  # type: ignore[operator]
        fired = [f for f in findings(inv) if official in f.official_ids]
        assert fired, f"{official} did not fire"
        assert all(f.official_ids == (official,) and f.message_da and f.message_en for f in fired)


def test_line_amount_tolerance_is_one_krone() -> None:
    inv = clean()
    inv.lines[0].net_amount = inv.totals.line_extension = D("5001.00")
    inv.totals.line_extension = D("5051.00")
    inv.totals.tax_inclusive = inv.totals.payable = D("6313.50")
    assert "F-INV340" not in ids(inv)
    inv.lines[1].net_amount = D("51.01")  # no base quantity: F-INV348
    assert "F-INV348" in ids(inv)


def test_allowance_sums_and_rounding_within_limit() -> None:
    inv = clean()
    inv.allowances_charges = [AllowanceCharge(is_charge=False, amount=D("50.00"))]
    inv.totals.allowances = D("50.00")
    inv.totals.rounding = D("-0.50")
    inv.totals.tax_inclusive = inv.totals.payable = D("6262.00")
    assert findings(inv) == []


def test_free_of_charge_lines_are_left_out_of_the_sums_and_line_checks() -> None:
    for document_type, official in (
        (DocumentType.INVOICE, "F-INV126"),
        (DocumentType.CREDIT_NOTE, "F-CRN072"),
    ):
        inv = clean(document_type)
        inv.lines.append(
            Line(id="3", quantity=D("2"), price=D("10"), net_amount=D("0.00"), free_of_charge=True)
        )
        assert findings(inv) == []  # 0.00 ≠ 2 × 10 is fine for a free line, and it adds nothing
        inv.lines[2].free_of_charge = False
        inv.lines[2].net_amount = D("20.00")
        assert official in ids(inv)  # counted again: the line sum is now 5070.00


def test_line_units_pick_the_official_check() -> None:
    inv = clean()
    line = inv.lines[0]
    line.base_quantity_unit, line.base_quantity = "PK", D("10")  # price per pack of 10
    line.oioubl_orderable_unit_factor_rate = D("0.1")  # 50 EA × 100 × 0.1 = 500.00
    (f,) = findings(inv)
    assert f.official_ids == ("F-INV343",) and f.expected == "500.00" and f.found == "5000.00"
    assert "OrderableUnitFactorRate" in f.message_da and "OrderableUnitFactorRate" in f.message_en
    line.oioubl_orderable_unit_factor_rate = D("1")
    assert findings(inv) == []  # 50 × 100 × 1 = 5000.00
    line.oioubl_orderable_unit_factor_rate = None
    line.net_amount = D("1.00")
    assert "F-INV343" not in ids(inv) and "F-INV340" not in ids(inv)  # no rate: the test cannot fire
    credit = clean(DocumentType.CREDIT_NOTE)
    credit.lines[0].base_quantity_unit = None
    credit.lines[0].net_amount = D("4000.00")
    assert "F-CRN216" in ids(credit)  # unit of the base quantity unknown: the "neither" check


def vat_findings(invoice: Invoice) -> list[Finding]:
    return [f for f in findings(invoice) if f.code == "OIO-VAT-RATE"]


def test_vat_rate_catches_a_consistent_but_wrong_vat_amount() -> None:
    inv = clean()
    vat = inv.vat_breakdown[0]
    vat.tax_amount = inv.totals.tax = inv.totals.oioubl_tax_exclusive_element = D("1312.50")
    inv.totals.tax_inclusive = inv.totals.payable = D("6362.50")
    assert {f.code for f in findings(inv)} == {"OIO-VAT-RATE"}  # every official total still adds up
    (f,) = vat_findings(inv)
    assert f.official_ids == () and f.blocks and (f.status, f.reason, f.action) == ("RE", "LEG", "NIN")
    assert (f.field, f.found, f.expected) == ("BT-117", "1312.50", "1262.50")
    assert "Momsbeløbet (TaxSubtotal/TaxAmount) for sats 25 % er 1.312,50" in f.message_da
    assert "5.050,00 × 25 % giver 1.262,50" in f.message_da
    assert "is 1312.50 but 5050.00 × 25 % gives 1262.50" in f.message_en


def test_vat_rate_tolerance_is_one_krone() -> None:
    inv = clean()
    inv.vat_breakdown[0].tax_amount = D("1263.50")
    assert vat_findings(inv) == []
    inv.vat_breakdown[0].tax_amount = D("1263.51")
    assert [f.expected for f in vat_findings(inv)] == ["1262.50"]


def test_vat_taxable_amount_per_rate_must_match_its_lines() -> None:
    inv = clean()
    inv.lines[1].vat_rate = D("0")  # line 2 is zero-rated, yet the 25 % subtotal counts it
    (f,) = vat_findings(inv)
    assert (f.field, f.found, f.expected) == ("BT-116", "5050.00", "5000.00")
    assert "linjerne med sats 25 %" in f.message_da and "the lines at rate 25 %" in f.message_en
    inv.allowances_charges = [AllowanceCharge(is_charge=True, amount=D("50.00"), vat_rate=D("25"))]
    assert vat_findings(inv) == []  # a 25 % charge of 50.00 makes up the difference
    inv.lines[1].vat_rate = None
    inv.vat_breakdown[0].taxable_amount = D("9000.00")
    assert [f.field for f in vat_findings(inv)] == ["BT-117"]  # a line without a rate: no taxable check


def test_vat_rate_judges_only_oioubl2() -> None:
    inv = clean()
    inv.vat_breakdown[0].tax_amount = D("2000.00")
    inv.format = "oioubl-3"
    assert vat_findings(inv) == []


def _oioubl_documents() -> list[Path]:
    examples = CORPORA / "oioubl-2.1" / "Eksempelfiler"
    return sorted(examples.glob("OIOUBL_Invoice*.xml")) + sorted(examples.glob("OIOUBL_CreditNote*.xml"))


@pytest.mark.corpora
@pytest.mark.parametrize("path", _oioubl_documents(), ids=lambda p: p.name)
def test_vat_rate_is_silent_on_the_official_examples(path: Path) -> None:
    corpora_path("oioubl-2.1", "Eksempelfiler", path.name)
    invoice = read_document(path.read_bytes(), path.name)
    assert invoice.format == "oioubl-2" and invoice.vat_breakdown
    assert vat_findings(invoice) == []


def _samples() -> list[dict[str, str]]:
    data = yaml.safe_load((ROOT / "samples" / "manifest.yaml").read_text(encoding="utf-8"))
    return [e for e in data["documents"] if e["format"] == "oioubl-2"]


def test_vat_rate_on_the_samples_fires_only_on_the_wrong_vat_sample() -> None:
    checked = 0
    for entry in _samples():
        invoice = read_document((ROOT / "samples" / "inbox" / entry["file"]).read_bytes(), entry["file"])
        fired = vat_findings(invoice)
        if entry["file"] == "0039-oioubl-vat-wrong.xml":
            assert [(f.field, f.found, f.expected) for f in fired] == [("BT-117", "670.00", "620.00")]
        elif entry["verdict"] == "post":
            checked += 1
            assert fired == [], entry["file"]
    assert checked >= 10
