"""Unit tests of the OIOUBL 2.x arithmetic rules (F-INV*, F-CRN*) on hand-built invoices."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from classifiers.api import Context, Finding
from classifiers.engine import Classifier
from robot.model import AllowanceCharge, DocumentType, Invoice, Line, Totals, VatBreakdown


def clean(document_type: DocumentType = DocumentType.INVOICE) -> Invoice:
    """The official example's totals: lines 5050.00, VAT 1262.50 (in TaxExclusiveAmount), 6312.50."""
    return Invoice(
        format="oioubl-2",
        document_type=document_type,
        lines=[
            Line(id="1", quantity=D("50"), price=D("100"), base_quantity=D("1"), net_amount=D("5000.00")),
            Line(id="2", quantity=D("1"), price=D("50"), net_amount=D("50.00")),
        ],
        vat_breakdown=[
            VatBreakdown(
                category="StandardRated", rate=D("25"), taxable_amount=D("5050.00"), tax_amount=D("1262.50")
            )
        ],
        totals=Totals(
            line_extension=D("5050.00"),
            tax_exclusive=D("5050.00"),
            tax=D("1262.50"),
            oioubl_tax_exclusive_element=D("1262.50"),
            tax_inclusive=D("6312.50"),
            payable=D("6312.50"),
        ),
    )


def findings(invoice: Invoice) -> list[Finding]:
    return list(Classifier(only=["oioubl"]).classify(invoice, Context()).findings)


def ids(invoice: Invoice) -> set[str]:
    return {oid for f in findings(invoice) for oid in f.official_ids}


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
