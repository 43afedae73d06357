"""The VAT categories' rates and exemption reasons (BR-x-05, -06, -07, -10): each claimed where the
official rule fires, with the field and line named (the differential harness, ``bench/agreement.py``,
compares them with the official artefacts on mutated examples)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.model import AllowanceCharge, DocumentType, Invoice, Line, VatBreakdown

RULES = Classifier(only=["EN-VAT-CATEGORY-RATE", "EN-VAT-EXEMPTION"])


def _invoice(fmt: str = "peppol-bis3", **fields: object) -> Invoice:
    return Invoice(format=fmt, document_type=DocumentType.INVOICE, **fields)  # type: ignore[arg-type]


def _claimed(invoice: Invoice) -> list[tuple[str, str | None, str | None]]:
    return [(f.official_ids[0], f.field, f.line_id) for f in RULES.classify(invoice, Context()).findings]


@pytest.mark.parametrize(
    ("category", "rate", "fires"),
    [
        ("S", D("25"), None),
        ("S", D("0"), "BR-S-05"),
        ("S", None, "BR-S-05"),  # an absent rate is not above zero
        ("Z", D("0"), None),
        ("Z", None, "BR-Z-05"),  # nor zero
        ("E", D("25"), "BR-E-05"),
        ("K", D("0"), None),
        ("O", None, None),
        ("O", D("0"), "BR-O-05"),  # not subject to VAT: no rate at all
        ("L", D("0"), None),
        ("M", D("-1"), "BR-AG-05"),
    ],
)
def test_a_lines_rate_must_fit_its_category(category: str, rate: D | None, fires: str | None) -> None:
    invoice = _invoice(lines=[Line(id="7", vat_category=category, vat_rate=rate)])
    assert _claimed(invoice) == ([(fires, "BT-152", "7")] if fires else [])


def test_cii_asks_a_rate_above_zero_of_the_canary_islands() -> None:
    line = Line(id="1", vat_category="L", vat_rate=D("0"))
    assert _claimed(_invoice("peppol-bis3", lines=[line])) == []
    assert _claimed(_invoice("cii", lines=[line])) == [("BR-AF-05", "BT-152", "1")]


def test_an_allowance_and_a_charge_are_judged_by_their_own_rules() -> None:
    invoice = _invoice(
        allowances_charges=[
            AllowanceCharge(is_charge=False, vat_category="S", vat_rate=D("0")),
            AllowanceCharge(is_charge=True, vat_category="Z", vat_rate=D("25")),
        ]
    )
    assert _claimed(invoice) == [("BR-S-06", "BT-96", None), ("BR-Z-07", "BT-103", None)]


def test_an_exempt_breakdown_gives_a_reason_and_a_taxed_one_none() -> None:
    invoice = _invoice(
        vat_breakdown=[
            VatBreakdown("E", D("0"), D("100"), D("0")),
            VatBreakdown("E", D("0"), D("100"), D("0"), exemption_reason="Fritaget"),
            VatBreakdown("S", D("25"), D("100"), D("25"), exemption_reason_code="VATEX-EU-79-C"),
        ]
    )
    assert _claimed(invoice) == [("BR-E-10", "BT-120", None), ("BR-S-10", "BT-121", None)]
    messages = [f.message_da for f in RULES.classify(invoice, Context()).findings]
    assert messages[0].startswith("Momsspecifikationen for kategori E mangler en fritagelsesgrund")


BREAKDOWN = Classifier(only=["EN-VAT-CATEGORY-BREAKDOWN"])


@pytest.mark.parametrize(
    ("fmt", "lines", "breakdowns", "fires"),
    [
        ("peppol-bis3", ["S"], ["S"], []),
        ("peppol-bis3", ["S", "Z"], ["S"], ["BR-Z-01"]),  # Z on a line, no Z breakdown
        ("peppol-bis3", ["S"], ["S", "Z"], []),  # UBL: a Z breakdown alone counts itself
        ("cii", ["S"], ["S", "Z"], ["BR-Z-01"]),  # CII: a Z breakdown must have a Z line or allowance
        ("peppol-bis3", ["E"], ["E", "E"], ["BR-E-01"]),  # exactly one
        ("peppol-bis3", [], ["S"], ["BR-S-01"]),  # a standard-rate breakdown with nothing under it
        ("cii", ["S", "S"], [], []),  # CII counts two S lines as if one were their breakdown
        ("cii", ["S"], [], ["BR-S-01"]),
        ("cii", ["O"], [], []),  # CII asks nothing of O lines without an O breakdown
    ],
)
def test_each_category_used_has_its_breakdown(
    fmt: str, lines: list[str], breakdowns: list[str], fires: list[str]
) -> None:
    invoice = _invoice(
        fmt,
        lines=[Line(id=str(n), vat_category=c) for n, c in enumerate(lines)],
        vat_breakdown=[VatBreakdown(c) for c in breakdowns],
    )
    assert [f.official_ids[0] for f in BREAKDOWN.classify(invoice, Context()).findings] == fires


PARTIES = Classifier(only=["EN-VAT-CATEGORY-PARTIES"])
PEPPOL_INVOICE = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
<cac:AccountingSupplierParty><cac:Party>{seller}</cac:Party></cac:AccountingSupplierParty>
<cac:AccountingCustomerParty><cac:Party>{buyer}</cac:Party></cac:AccountingCustomerParty>
<cac:InvoiceLine><cbc:ID>1</cbc:ID><cac:Item><cac:ClassifiedTaxCategory><cbc:ID>{category}</cbc:ID>
<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item></cac:InvoiceLine>
</Invoice>"""
TAX_SCHEME = (
    "<cac:PartyTaxScheme><cbc:CompanyID>{}</cbc:CompanyID>"
    "<cac:TaxScheme><cbc:ID>{}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
)
SELLER_VAT, SELLER_TAX = TAX_SCHEME.format("DK12345674", "VAT"), TAX_SCHEME.format("12345674", "TAX")


@pytest.mark.parametrize(
    ("category", "seller", "buyer", "fires"),
    [
        ("S", SELLER_VAT, "", []),
        ("S", SELLER_TAX, "", []),  # any tax registration will do for S
        ("S", "", "", ["BR-S-02"]),
        ("G", SELLER_TAX, "", ["BR-G-02"]),  # export needs the VAT identifier itself
        ("K", SELLER_VAT, "", ["BR-IC-02"]),  # intra-community: the buyer's too
        ("K", SELLER_VAT, SELLER_VAT, []),
        ("O", SELLER_VAT, "", ["BR-O-02"]),  # not subject to VAT: no VAT identifier at all
        ("O", SELLER_TAX, "", []),
    ],
)
def test_a_category_needs_the_parties_vat_identifiers(
    category: str, seller: str, buyer: str, fires: list[str]
) -> None:
    from robot.readers import read_document

    document = PEPPOL_INVOICE.format(seller=seller, buyer=buyer, category=category).encode()
    found = PARTIES.classify(read_document(document, "p.xml"), Context()).findings
    assert [f.official_ids[0] for f in found] == fires


def test_not_subject_to_vat_stands_alone() -> None:
    rules = Classifier(only=["EN-VAT-NOT-SUBJECT-ALONE"])
    invoice = _invoice(
        lines=[Line(id="1", vat_category="O"), Line(id="2", vat_category="S")],
        allowances_charges=[AllowanceCharge(is_charge=True, vat_category="S")],
        vat_breakdown=[VatBreakdown("O")],
    )
    assert [f.official_ids[0] for f in rules.classify(invoice, Context()).findings] == ["BR-O-12", "BR-O-14"]
    invoice.format = "cii"  # CII's artefact tests every trade tax alike: in pairs
    found = [f.official_ids[0] for f in rules.classify(invoice, Context()).findings]
    assert found == ["BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14"]
    invoice.vat_breakdown = [VatBreakdown("S")]
    assert rules.classify(invoice, Context()).findings == ()  # without an O breakdown: nothing to say


def test_an_empty_tax_currency_code_still_asks_for_its_total() -> None:
    from robot.readers import read_document

    document = PEPPOL_INVOICE.format(seller=SELLER_VAT, buyer="", category="S").replace(
        "<cac:AccountingSupplierParty>", "<cbc:TaxCurrencyCode/><cac:AccountingSupplierParty>"
    )
    found = Classifier(only=["EN-TAX-CURRENCY-TOTAL"]).classify(
        read_document(document.encode(), "t.xml"), Context()
    )
    assert [f.official_ids for f in found.findings] == [("BR-53",)]
