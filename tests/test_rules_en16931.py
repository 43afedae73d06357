"""Unit tests of the EN 16931 rules on hand-built invoices: each fires, and stays quiet when clean."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from classifiers.amounts import fmt_da, fmt_en, round2, xpath_round2
from robot.model import (
    Address,
    AllowanceCharge,
    DocumentType,
    Invoice,
    Line,
    Party,
    VatBreakdown,
)
from tests.support.rules import Families, consistent_totals

FAMILIES = ["en16931_mandatory", "en16931_totals", "en16931_vat", "en16931_lines"]


def _line(line_id: str, quantity: str, net: str, price: str, name: str) -> Line:
    """A line of ``quantity`` pieces at ``price``, standard rated at 25 %."""
    return Line(
        id=line_id,
        quantity=D(quantity),
        unit="EA",
        net_amount=D(net),
        price=D(price),
        item_name=name,
        vat_category="S",
        vat_rate=D("25"),
    )


def clean(fmt: str = "peppol-bis3") -> Invoice:
    """1000.00 net at 25% S, two lines, everything consistent."""
    return Invoice(
        format=fmt,
        document_type=DocumentType.INVOICE,
        number="INV-1",
        customization_id="urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        type_code="380",
        issue_date=date(2025, 3, 1),
        currency="DKK",
        seller=Party(name="Leverandør A/S", address=Address(country="DK")),
        buyer=Party(name="Styrelsen", address=Address(country="DK")),
        lines=[_line("1", "10", "600.00", "60", "A"), _line("2", "4", "400.00", "100", "B")],
        vat_breakdown=[
            VatBreakdown(category="S", rate=D("25"), taxable_amount=D("1000.00"), tax_amount=D("250.00"))
        ],
        totals=consistent_totals("1000.00", "250.00"),
    )


EN16931 = Families(*FAMILIES)
findings, ids = EN16931.findings, EN16931.ids


def test_clean_invoice_has_no_findings() -> None:
    assert findings(clean()) == []
    assert findings(clean("cii")) == []


def test_oioubl2_documents_are_left_to_the_oioubl_family() -> None:
    inv = clean("oioubl-2")
    inv.totals.line_extension = D("1100.00")
    inv.number = None
    assert findings(inv) == []


def test_line_sum_mismatch_names_both_fields_in_both_languages() -> None:
    inv = clean()
    inv.totals.line_extension = D("1100.00")
    (f,) = [f for f in findings(inv) if f.code == "EN-LINE-SUM"]
    assert f.official_ids == ("BR-CO-10",)
    assert f.field == "BT-106" and (f.status, f.reason, f.action) == ("RE", "LEG", "NIN")
    assert (
        "Summen af linjebeløb (BT-131) er 1.000,00" in f.message_da and "(BT-106) er 1.100,00" in f.message_da
    )
    assert "Sum of line net amounts (BT-131) is 1000.00" in f.message_en and "is 1100.00" in f.message_en
    assert (f.found, f.expected) == ("1100.00", "1000.00")


@pytest.mark.parametrize(
    ("change", "official"),
    [
        (lambda i: setattr(i.totals, "tax_exclusive", D("990.00")), "BR-CO-13"),
        (lambda i: setattr(i.totals, "tax", D("251.00")), "BR-CO-14"),
        (lambda i: setattr(i.totals, "tax_inclusive", D("1251.00")), "BR-CO-15"),
        (lambda i: setattr(i.totals, "payable", D("1240.00")), "BR-CO-16"),
        (lambda i: setattr(i.vat_breakdown[0], "tax_amount", D("260.00")), "BR-CO-17"),
        (lambda i: setattr(i.vat_breakdown[0], "taxable_amount", D("1002.00")), "BR-S-08"),
        (lambda i: setattr(i.totals, "allowances", D("5.00")), "BR-CO-11"),
        (lambda i: i.allowances_charges.append(AllowanceCharge(is_charge=True, amount=D("5"))), "BR-CO-12"),
        (lambda i: setattr(i.lines[0], "net_amount", D("600.03")), "PEPPOL-EN16931-R120"),
        (lambda i: setattr(i.lines[0], "base_quantity", D("-1")), "PEPPOL-EN16931-R121"),
        (lambda i: setattr(i.totals, "payable", D("1250.000")), "BR-DEC-18"),
        (lambda i: setattr(i.lines[1], "net_amount", D("400.001")), "BR-DEC-23"),
        (lambda i: setattr(i, "number", " "), "BR-02"),
        (lambda i: setattr(i, "lines", []), "BR-16"),
        (lambda i: setattr(i.seller, "address", Address()), "BR-09"),
        (lambda i: setattr(i.lines[0], "item_name", None), "BR-25"),
        (lambda i: setattr(i.lines[0], "price", D("-60")), "BR-27"),
        (lambda i: setattr(i, "vat_breakdown", []), "BR-CO-18"),
    ],
)
def test_each_rule_fires_with_exactly_its_official_id(change: object, official: str) -> None:
    inv = clean()
    change(inv)  # type: ignore[operator]
    fired = [f for f in findings(inv) if official in f.official_ids]
    assert fired, f"{official} did not fire"
    assert all(f.official_ids == (official,) for f in fired)
    assert all(f.message_da and f.message_en and f.field for f in fired)


def test_tolerances_match_the_official_ones() -> None:
    inv = clean()
    inv.lines[0].net_amount = D("600.02")  # R120 slack 0.02 inclusive
    inv.lines[0].price = D("60.002")
    assert "PEPPOL-EN16931-R120" not in ids(inv)
    inv = clean()
    inv.vat_breakdown[0].tax_amount = inv.totals.tax = D("250.99")  # BR-CO-17 / BR-S-09: ±1 strict
    inv.totals.tax_inclusive = inv.totals.payable = D("1250.99")
    assert ids(inv) == set()
    inv.vat_breakdown[0].tax_amount = inv.totals.tax = D("251.00")
    inv.totals.tax_inclusive = inv.totals.payable = D("1251.00")
    assert ids(inv) == {"BR-CO-17", "BR-S-09"}


def test_line_amount_rule_only_binds_peppol_documents() -> None:
    inv = clean("en16931-ubl")
    inv.lines[0].price = D("61")
    assert "PEPPOL-EN16931-R120" not in ids(inv)
    inv.format = "oioubl-3"
    assert "PEPPOL-EN16931-R120" in ids(inv)


def test_exempt_category_needs_zero_tax_and_exact_taxable() -> None:
    inv = clean()
    for line in inv.lines:
        line.vat_category, line.vat_rate = "E", D("0")
    inv.vat_breakdown = [
        VatBreakdown(category="E", rate=D("0"), taxable_amount=D("999.99"), tax_amount=D("1.00"))
    ]
    inv.totals.tax = D("1.00")
    inv.totals.tax_inclusive = inv.totals.payable = D("1001.00")
    assert {"BR-E-08", "BR-E-09", "BR-CO-17"} <= ids(inv)


def test_missing_totals_are_reported_once_per_official_id() -> None:
    inv = clean()
    inv.totals.payable = None
    got = [f.official_ids for f in findings(inv)]
    assert ("BR-15",) in got and ("BR-CO-16",) in got


def test_amount_helpers() -> None:
    assert round2(D("2.345")) == D("2.35") and round2(D("-2.345")) == D("-2.35")
    assert xpath_round2(D("-2.345")) == D("-2.34")
    assert fmt_da(D("1234567.5")) == "1.234.567,50" and fmt_en(None) == "(missing)"
