"""Invoicing periods (BR-29, BR-30, BR-CO-19, BR-CO-20, PEPPOL-EN16931-R110/R111), the VAT totals as
written (BR-CO-14/15 per TaxTotal, R053..R055), amounts' currencies (R051, CL007), Peppol's own code
lists (CL002, CL003, CL006, CL008, BR-CL-06) and a price's charge (R044), on documents read from UBL
and CII. The mutation harness (tests/test_differential_en16931.py) compares them with the official
artefacts; here each rule is shown on its own, with what the robot did before."""

from __future__ import annotations

from datetime import date

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.errors import ReadError
from robot.model import DocumentType, Invoice, Line, Period
from robot.readers import read_document

RULES = Classifier(
    only=[
        "EN-PERIOD",
        "EN-LINE-PERIOD",
        "PEPPOL-LINE-PERIOD",
        "EN-VAT-TOTAL",
        "EN-GROSS-TOTAL",
        "PEPPOL-VAT-TOTALS",
        "PEPPOL-AMOUNT-CURRENCY",
        "PEPPOL-PRICE-CHARGE",
        "EN-CODE-LIST",
        "PEPPOL-REFERENCES",
    ]
)
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
UBL = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>{customization}</cbc:CustomizationID>
<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
<cbc:ID>P-1</cbc:ID><cbc:IssueDate>2026-12-03</cbc:IssueDate>
<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>{tax_currency}
{period}
<cac:AccountingSupplierParty><cac:Party>
<cbc:EndpointID schemeID="{scheme}">5798000416604</cbc:EndpointID></cac:Party></cac:AccountingSupplierParty>
<cac:AllowanceCharge><cbc:ChargeIndicator>{indicator}</cbc:ChargeIndicator>
<cbc:AllowanceChargeReasonCode>{reason}</cbc:AllowanceChargeReasonCode>
<cbc:Amount currencyID="DKK">0</cbc:Amount></cac:AllowanceCharge>
{tax_totals}
<cac:LegalMonetaryTotal>
<cbc:LineExtensionAmount currencyID="DKK">100.00</cbc:LineExtensionAmount>
<cbc:TaxExclusiveAmount currencyID="DKK">100.00</cbc:TaxExclusiveAmount>
<cbc:TaxInclusiveAmount currencyID="DKK">125.00</cbc:TaxInclusiveAmount>
<cbc:PayableAmount currencyID="DKK">125.00</cbc:PayableAmount>
</cac:LegalMonetaryTotal>
<cac:InvoiceLine><cbc:ID>1</cbc:ID>
<cbc:InvoicedQuantity unitCode="EA">1</cbc:InvoicedQuantity>
<cbc:LineExtensionAmount currencyID="{line_currency}">100.00</cbc:LineExtensionAmount>
{line_period}
<cac:Item><cbc:Name>Ting</cbc:Name></cac:Item>
<cac:Price><cbc:PriceAmount currencyID="DKK">100.00</cbc:PriceAmount>
<cac:AllowanceCharge><cbc:ChargeIndicator>{price_indicator}</cbc:ChargeIndicator>
<cbc:Amount currencyID="DKK">0</cbc:Amount></cac:AllowanceCharge></cac:Price>
</cac:InvoiceLine>
</Invoice>"""
VAT = (
    '<cac:TaxTotal><cbc:TaxAmount currencyID="{currency}">{amount}</cbc:TaxAmount>'
    '<cac:TaxSubtotal><cbc:TaxableAmount currencyID="DKK">100.00</cbc:TaxableAmount>'
    '<cbc:TaxAmount currencyID="DKK">{part}</cbc:TaxAmount>'
    "<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent></cac:TaxCategory></cac:TaxSubtotal>"
    "</cac:TaxTotal>"
)
CLEAN = {
    "customization": PEPPOL,
    "tax_currency": "",
    "period": "",
    "scheme": "0088",
    "indicator": "false",
    "reason": "95",
    "tax_totals": VAT.format(currency="DKK", amount="25.00", part="25.00"),
    "line_currency": "DKK",
    "line_period": "",
    "price_indicator": "false",
}


def _period(start: str = "", end: str = "", code: str = "") -> str:
    parts = (("StartDate", start), ("EndDate", end), ("DescriptionCode", code))
    inner = "".join(f"<cbc:{name}>{value}</cbc:{name}>" for name, value in parts if value)
    return f"<cac:InvoicePeriod>{inner}</cac:InvoicePeriod>"


def _ids(**changes: str) -> list[str]:
    document = UBL.format(**{**CLEAN, **changes}).encode()
    found = RULES.classify(read_document(document, "p.xml"), Context()).findings
    return sorted(i for f in found for i in f.official_ids)


def test_a_clean_document_passes() -> None:
    assert _ids() == []
    assert (
        _ids(period=_period("2026-12-01", "2026-12-31"), line_period=_period("2026-12-02", "2026-12-30"))
        == []
    )


def test_the_readers_keep_the_periods_even_empty() -> None:
    inv = read_document(
        UBL.format(**{**CLEAN, "period": _period(), "line_period": _period("2026-12-01")}).encode()
    )
    assert inv.period == Period()  # present, empty: the official rules judge it
    assert inv.lines[0].period == Period(start=date(2026, 12, 1), written=frozenset({"start"}))
    assert read_document(UBL.format(**CLEAN).encode()).period is None


def test_document_period_rules() -> None:
    """Before: the model had no invoicing period; an inverted or empty one went through unchecked."""
    assert _ids(period=_period("2026-12-31", "2026-12-01")) == ["BR-29"]
    assert _ids(period=_period()) == ["BR-CO-19"]
    assert _ids(period=_period(code="35")) == []  # UBL: the VAT point date code alone is a period
    assert _ids(period=_period("2026-12-01", code="99")) == ["BR-CL-06", "PEPPOL-EN16931-CL006"]


def test_line_period_rules() -> None:
    assert _ids(line_period=_period("2026-12-31", "2026-12-01")) == ["BR-30"]
    assert _ids(line_period=_period()) == ["BR-CO-20"]
    invoice_period = _period("2026-12-01", "2026-12-31")
    assert _ids(period=invoice_period, line_period=_period("2026-11-30", "2026-12-10")) == [
        "PEPPOL-EN16931-R110"
    ]
    assert _ids(period=invoice_period, line_period=_period("2026-12-02", "2027-01-01")) == [
        "PEPPOL-EN16931-R111"
    ]


def test_a_period_made_in_code_goes_by_its_values() -> None:
    inv = Invoice(format="cii", document_type=DocumentType.INVOICE, period=Period(end=date(2026, 1, 1)))
    inv.lines = [Line(id="1", period=Period())]
    found = Classifier(only=["EN-PERIOD", "EN-LINE-PERIOD"]).classify(inv, Context()).findings
    assert [f.official_ids for f in found] == [("BR-CO-20",)]


CII = """<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:ExchangedDocument><ram:ID>C-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
<ram:IssueDateTime><udt:DateTimeString format="102">20261203</udt:DateTimeString></ram:IssueDateTime>
</rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction>
<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeSettlement>{line_period}
</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>
<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
<ram:ApplicableTradeTax><ram:CategoryCode>S</ram:CategoryCode>{date_code}</ram:ApplicableTradeTax>
{period}
</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"""


def _cii_period(start: str = "", end: str = "") -> str:
    parts = (("StartDateTime", start), ("EndDateTime", end))
    inner = "".join(
        f'<ram:{name}><udt:DateTimeString format="102">{value}</udt:DateTimeString></ram:{name}>'
        for name, value in parts
        if value
    )
    return f"<ram:BillingSpecifiedPeriod>{inner}</ram:BillingSpecifiedPeriod>"


@pytest.mark.parametrize(
    ("period", "line_period", "date_code", "expected"),
    [
        (_cii_period("20261201", "20261231"), "", "<ram:DueDateTypeCode>5</ram:DueDateTypeCode>", []),
        (_cii_period("20261231", "20261201"), "", "", ["BR-29"]),
        (_cii_period(), "", "", ["BR-CO-19"]),
        ("", _cii_period("20261231", "20261201"), "", ["BR-30"]),
        ("", _cii_period(), "", ["BR-CO-20"]),
        ("", "", "<ram:DueDateTypeCode>35</ram:DueDateTypeCode>", ["BR-CL-06"]),  # CII's list: 5, 29, 72
    ],
)
def test_cii_periods_and_date_code(
    period: str, line_period: str, date_code: str, expected: list[str]
) -> None:
    document = CII.format(period=period, line_period=line_period, date_code=date_code).encode()
    found = RULES.classify(read_document(document, "c.xml"), Context()).findings
    assert (
        sorted(
            i
            for f in found
            for i in f.official_ids
            if i in {*expected, "BR-29", "BR-30", "BR-CO-19", "BR-CO-20", "BR-CL-06"}
        )
        == expected
    )


def test_each_vat_total_is_judged_on_its_own() -> None:
    """Before: a breakdown whose total was written in another currency was dropped (BR-CO-18 and
    BR-S-01 fired where the official rules do not), and two totals in the invoice currency were
    added up (BR-CO-15 passed where it fails)."""
    in_sek = VAT.format(currency="SEK", amount="25.00", part="25.00")
    assert len(read_document(UBL.format(**{**CLEAN, "tax_totals": in_sek}).encode()).vat_breakdown) == 1
    wrong = VAT.format(currency="DKK", amount="30.00", part="25.00")
    assert "BR-CO-14" in _ids(tax_totals=wrong)
    twice = VAT.format(currency="DKK", amount="0", part="0") * 2
    assert _ids(tax_totals=twice).count("BR-CO-15") == 1


def test_peppol_vat_totals() -> None:
    in_dkk = VAT.format(currency="DKK", amount="25.00", part="25.00")
    accounting = '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">{}</cbc:TaxAmount></cac:TaxTotal>'
    code = "<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>"
    assert _ids(tax_totals=in_dkk + in_dkk) == ["BR-CO-15", "PEPPOL-EN16931-R053"]
    assert _ids(tax_currency=code, tax_totals=in_dkk) == ["PEPPOL-EN16931-R054", "PEPPOL-EN16931-R055"]
    assert _ids(tax_currency=code, tax_totals=in_dkk + accounting.format("37.00")) == []
    assert _ids(tax_currency=code, tax_totals=in_dkk + accounting.format("-37.00")) == ["PEPPOL-EN16931-R055"]
    assert _ids(tax_totals=in_dkk + accounting.format("37.00")) == ["PEPPOL-EN16931-R054"]


def test_amount_currencies() -> None:
    assert _ids(line_currency="EUR") == ["PEPPOL-EN16931-R051"]
    assert _ids(line_currency="XYZ") == ["BR-CL-03", "PEPPOL-EN16931-CL007", "PEPPOL-EN16931-R051"]
    assert _ids(line_currency=" DKK") == ["PEPPOL-EN16931-CL007", "PEPPOL-EN16931-R051"]  # as written


def test_peppol_code_lists_take_the_code_as_peppol_selects_it() -> None:
    assert _ids(reason="999") == ["BR-CL-19", "PEPPOL-EN16931-CL002"]
    assert _ids(reason="999", indicator=" false ") == ["BR-CL-19"]  # Peppol selects the very word
    assert _ids(scheme=" 0088") == ["PEPPOL-EN16931-CL008"]  # EN 16931 normalises, Peppol does not
    assert _ids(scheme="9999") == ["BR-CL-25", "PEPPOL-EN16931-CL008"]
    # a document not in Peppol BIS 3 is judged by EN 16931's lists alone
    assert _ids(customization="urn:cen.eu:en16931:2017", scheme=" 0088") == []


def test_a_price_may_carry_only_a_discount() -> None:
    assert _ids(price_indicator="true") == ["PEPPOL-EN16931-R044"]
    assert _ids(price_indicator=" false ") == []


def test_a_lines_document_reference_is_its_invoiced_object_only() -> None:
    reference = "<cac:DocumentReference><cbc:ID>OBJ</cbc:ID>{}</cac:DocumentReference>"
    typed = reference.format("<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>")
    assert _ids(line_period=typed) == []
    assert _ids(line_period=typed * 2) == ["PEPPOL-EN16931-R100"]
    assert _ids(line_period=reference.format("<cbc:DocumentTypeCode>50</cbc:DocumentTypeCode>")) == [
        "PEPPOL-EN16931-R101"
    ]
    assert _ids(line_period=reference.format("")) == ["PEPPOL-EN16931-R101"]


def test_supporting_documents() -> None:
    """Before: the model kept no supporting document (BG-24): an attachment of a MIME type the
    standard does not allow, or one without its reference, went through unchecked."""
    document = (
        "<cac:AdditionalDocumentReference>{}<cac:Attachment>"
        '<cbc:EmbeddedDocumentBinaryObject mimeCode="{}" filename="bilag.pdf">QUJD'
        "</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>"
    )
    reference = "<cbc:ID>BILAG-1</cbc:ID>"
    rules = Classifier(only=["EN-CODE-LIST", "EN-GROUP-MANDATORY"])
    judged = {"BR-52", "BR-CL-24", "PEPPOL-EN16931-CL001"}

    def ids(attached: str) -> list[str]:
        invoice = read_document(UBL.format(**{**CLEAN, "period": attached}).encode(), "p.xml")
        return sorted(
            i for f in rules.classify(invoice, Context()).findings for i in f.official_ids if i in judged
        )

    assert ids(document.format(reference, "application/pdf")) == []
    assert ids(document.format(reference, "application/msword")) == ["BR-CL-24", "PEPPOL-EN16931-CL001"]
    assert ids(document.format("", "application/pdf")) == ["BR-52"]
    inv = read_document(UBL.format(**{**CLEAN, "period": document.format(reference, "image/png")}).encode())
    assert inv.mime_codes == ("image/png",)  # the attribute, never the attached bytes


def test_a_period_date_that_is_no_date_is_a_clear_read_error() -> None:
    """A period's date is read like every other date: one that is not YYYY-MM-DD names the element
    and the form expected, and nothing is guessed."""
    bad = UBL.format(**{**CLEAN, "period": _period("2026-13-01", "2026-12-31")}).encode()
    with pytest.raises(ReadError) as raised:
        read_document(bad, "p.xml")
    assert "StartDate '2026-13-01' is not a date" in str(raised.value)
    assert raised.value.expected == "YYYY-MM-DD" and raised.value.file == "p.xml"
