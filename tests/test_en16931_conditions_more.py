"""More EN 16931 rules, each on its own on a document read from UBL or CII: a negative gross price
(BR-28), the scheme identifiers (BR-62..BR-65), the VAT point date and its code (BR-CO-03), a credit
transfer's account (BR-50, BR-61), a preceding invoice's number (BR-55), the VAT identifiers'
country prefix (BR-CO-09), split payment (BR-B-01/02), an intra-community supply's date (BR-IC-11),
the allowance/charge reasons stated twice (BR-CO-21..24), the payee (BR-17) and the seller's tax
representative (BR-18..20, BR-56). The mutation harness compares them with the official artefacts
(tests/test_differential_en16931.py)."""

from __future__ import annotations

from datetime import date

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.model import DocumentType, Identifier, Invoice, Party
from robot.readers import read_document

RULES = Classifier(
    only=[
        "EN-LINE-MANDATORY",
        "EN-SCHEME-MISSING",
        "EN-TAX-POINT-EXCLUSIVE",
        "EN-GROUP-MANDATORY",
        "EN-VAT-ID-PREFIX",
        "EN-SPLIT-PAYMENT",
        "EN-IC-DELIVERY",
        "EN-PAYEE",
        "EN-TAX-REPRESENTATIVE",
    ]
)
UBL = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
<cbc:ID>E-1</cbc:ID><cbc:IssueDate>2026-12-03</cbc:IssueDate>{tax_point}
<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>{period}{billing}
<cac:AccountingSupplierParty><cac:Party>
<cbc:EndpointID{seller_scheme}>5798000416604</cbc:EndpointID>
<cac:PostalAddress><cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country>
</cac:PostalAddress>
<cac:PartyTaxScheme><cbc:CompanyID>{vat_id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
</cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>
<cac:AccountingCustomerParty><cac:Party>
<cbc:EndpointID schemeID="0088">5798000416611</cbc:EndpointID></cac:Party></cac:AccountingCustomerParty>
<cac:PaymentMeans><cbc:PaymentMeansCode>{means}</cbc:PaymentMeansCode>{account}</cac:PaymentMeans>
<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>{reason}
<cbc:Amount currencyID="DKK">0</cbc:Amount>
<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent></cac:TaxCategory></cac:AllowanceCharge>
<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">25.00</cbc:TaxAmount>
<cac:TaxSubtotal><cbc:TaxableAmount currencyID="DKK">100.00</cbc:TaxableAmount>
<cbc:TaxAmount currencyID="DKK">25.00</cbc:TaxAmount>
<cac:TaxCategory><cbc:ID>{category}</cbc:ID><cbc:Percent>25</cbc:Percent></cac:TaxCategory></cac:TaxSubtotal>
</cac:TaxTotal>
<cac:InvoiceLine><cbc:ID>1</cbc:ID>
<cbc:InvoicedQuantity unitCode="EA">1</cbc:InvoicedQuantity>
<cbc:LineExtensionAmount currencyID="DKK">100.00</cbc:LineExtensionAmount>
<cac:Item><cbc:Name>Ting</cbc:Name>
<cac:StandardItemIdentification><cbc:ID{item_scheme}>5790000000001</cbc:ID></cac:StandardItemIdentification>
<cac:CommodityClassification><cbc:ItemClassificationCode{list_id}>43211503</cbc:ItemClassificationCode>
</cac:CommodityClassification>
<cac:ClassifiedTaxCategory><cbc:ID>{line_category}</cbc:ID><cbc:Percent>25</cbc:Percent>
</cac:ClassifiedTaxCategory></cac:Item>
<cac:Price><cbc:PriceAmount currencyID="DKK">100.00</cbc:PriceAmount>
<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>
<cbc:Amount currencyID="DKK">0</cbc:Amount><cbc:BaseAmount currencyID="DKK">{gross}</cbc:BaseAmount>
</cac:AllowanceCharge></cac:Price>
</cac:InvoiceLine>
</Invoice>"""
CLEAN = {
    "tax_point": "",
    "period": "",
    "billing": "",
    "seller_scheme": ' schemeID="0088"',
    "country": "DK",
    "vat_id": "DK12345678",
    "means": "58",
    "account": "<cac:PayeeFinancialAccount><cbc:ID>DK5000400440116243</cbc:ID></cac:PayeeFinancialAccount>",
    "reason": "<cbc:AllowanceChargeReason>Rabat</cbc:AllowanceChargeReason>",
    "category": "S",
    "item_scheme": ' schemeID="0160"',
    "list_id": ' listID="STI"',
    "line_category": "S",
    "gross": "100.00",
}


def _ids(**changes: str) -> list[str]:
    document = UBL.format(**{**CLEAN, **changes}).encode()
    found = RULES.classify(read_document(document, "e.xml"), Context()).findings
    return sorted(i for f in found for i in f.official_ids)


def test_a_clean_document_passes() -> None:
    assert _ids() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"gross": "-5"}, ["BR-28"]),
        ({"seller_scheme": ""}, ["BR-62"]),
        ({"seller_scheme": ' schemeID=""'}, []),  # UBL asks for the attribute, not its content
        ({"item_scheme": ""}, ["BR-64"]),
        ({"list_id": ""}, ["BR-65"]),
        ({"tax_point": "<cbc:TaxPointDate>2026-12-01</cbc:TaxPointDate>"}, []),
        (
            {
                "tax_point": "<cbc:TaxPointDate>2026-12-01</cbc:TaxPointDate>",
                "period": "<cac:InvoicePeriod><cbc:DescriptionCode>35</cbc:DescriptionCode>"
                "</cac:InvoicePeriod>",
            },
            ["BR-CO-03"],
        ),
        ({"account": ""}, ["BR-61"]),
        ({"account": "<cac:PayeeFinancialAccount><cbc:ID> </cbc:ID></cac:PayeeFinancialAccount>"}, ["BR-50"]),
        ({"account": "<cac:PayeeFinancialAccount/>"}, ["BR-50", "BR-61"]),
        ({"means": "31", "account": ""}, []),
        (
            {
                "billing": "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>A-1</cbc:ID>"
                "</cac:InvoiceDocumentReference></cac:BillingReference>"
            },
            [],
        ),
        (
            {
                "billing": "<cac:BillingReference><cac:CreditNoteDocumentReference><cbc:ID>A-1</cbc:ID>"
                "</cac:CreditNoteDocumentReference></cac:BillingReference>"
            },
            ["BR-55"],
        ),
        ({"vat_id": "12345678"}, ["BR-CO-09"]),
        ({"vat_id": "EL123456789"}, []),  # Greece's VAT prefix
        ({"vat_id": "D 1234"}, []),  # UBL's test looks for the two characters in the list's text
        ({"line_category": "B", "category": "B"}, ["BR-B-01", "BR-B-02"]),  # a Danish seller; S beside
        ({"line_category": "B", "category": "B", "country": "IT"}, ["BR-B-02"]),
        ({"category": "K"}, ["BR-IC-11"]),
        (
            {
                "category": "K",
                "period": "<cac:InvoicePeriod><cbc:StartDate>2026-12-01</cbc:StartDate></cac:InvoicePeriod>",
            },
            [],
        ),
        ({"reason": ""}, ["BR-33", "BR-CO-21"]),  # the standard states the rule twice
    ],
)
def test_each_rule_on_its_own(changes: dict[str, str], expected: list[str]) -> None:
    assert _ids(**changes) == expected


def test_cii_reads_the_vat_point_date_and_judges_schemes_by_their_content() -> None:
    """Before: the CII reader looked for the VAT point date (BT-7) in a udt:DateTimeString, where CII
    writes a udt:DateString, so BT-7 of a CII invoice was never read."""
    document = b"""<rsm:CrossIndustryInvoice
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:ExchangedDocument><ram:ID>C-1</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
<ram:SellerTradeParty><ram:URIUniversalCommunication><ram:URIID schemeID=" ">5798000416604</ram:URIID>
</ram:URIUniversalCommunication></ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>
<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
<ram:ApplicableTradeTax><ram:CategoryCode>S</ram:CategoryCode>
<ram:TaxPointDate><udt:DateString format="102">20261201</udt:DateString></ram:TaxPointDate>
<ram:DueDateTypeCode>5</ram:DueDateTypeCode></ram:ApplicableTradeTax>
</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"""
    invoice = read_document(document, "c.xml")
    assert invoice.tax_point_date == date(2026, 12, 1)
    found = Classifier(only=["EN-SCHEME-MISSING", "EN-TAX-POINT-EXCLUSIVE"]).classify(invoice, Context())
    assert sorted(i for f in found.findings for i in f.official_ids) == ["BR-62", "BR-CO-03"]


def test_an_invoice_made_in_code_goes_by_its_values() -> None:
    inv = Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        buyer=Party(endpoint=Identifier("5798000416611", None), vat_id="X1"),
    )
    found = Classifier(only=["EN-SCHEME-MISSING", "EN-VAT-ID-PREFIX"]).classify(inv, Context()).findings
    assert sorted(i for f in found for i in f.official_ids) == ["BR-63", "BR-CO-09"]


_REPRESENTATIVE = (
    "<cac:TaxRepresentativeParty>{name}{address}{vat}</cac:TaxRepresentativeParty>",
    "<cac:PartyName><cbc:Name>Rep</cbc:Name></cac:PartyName>",
    "<cac:PostalAddress><cac:Country><cbc:IdentificationCode>DK</cbc:IdentificationCode></cac:Country>"
    "</cac:PostalAddress>",
    "<cac:PartyTaxScheme><cbc:CompanyID>DK12345678</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
    "</cac:TaxScheme></cac:PartyTaxScheme>",
)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ("nav", []),
        ("av", ["BR-18"]),
        ("nv", ["BR-19"]),  # UBL: no address, so no address to lack its country
        ("na", ["BR-56"]),
    ],
)
def test_the_tax_representative(parts: str, expected: list[str]) -> None:
    wrapper, name, address, vat = _REPRESENTATIVE
    party = wrapper.format(
        name=name if "n" in parts else "",
        address=address if "a" in parts else "",
        vat=vat if "v" in parts else "",
    )
    assert _ids(billing=party) == expected


def test_the_payee_is_named_and_not_the_seller() -> None:
    named = "<cac:PayeeParty><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName></cac:PayeeParty>"
    assert _ids(billing=named.format("Inkasso A/S")) == []
    assert _ids(billing="<cac:PayeeParty/>") == ["BR-17"]
    inv = read_document(UBL.format(**{**CLEAN, "billing": named.format("Sælger A/S")}).encode(), "e.xml")
    inv.seller.trading_name = "Sælger A/S"  # the seller's PartyName, as a document would have it
    found = Classifier(only=["EN-PAYEE"]).classify(inv, Context()).findings
    assert [f.official_ids for f in found] == [("BR-17",)]


def test_cii_vat_totals_decimals() -> None:
    """BR-DEC-13/15 as the CII artefact tests them: one VAT total with at most 2 decimals that count
    is enough (before: not judged at all)."""
    document = """<rsm:CrossIndustryInvoice
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
<rsm:ExchangedDocument><ram:ID>C-1</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>
<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>{code}
<ram:SpecifiedTradeSettlementHeaderMonetarySummation>{totals}
</ram:SpecifiedTradeSettlementHeaderMonetarySummation>
</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"""
    total = '<ram:TaxTotalAmount currencyID="{}">{}</ram:TaxTotalAmount>'
    rules = Classifier(only=["EN-DECIMALS"])

    def ids(totals: str, code: str = "") -> list[str]:
        invoice = read_document(document.format(totals=totals, code=code).encode(), "c.xml")
        return sorted(i for f in rules.classify(invoice, Context()).findings for i in f.official_ids)

    assert ids(total.format("DKK", "25.000")) == []  # 25.000 is 25
    assert ids(total.format("DKK", "25.001")) == ["BR-DEC-13"]
    sek = "<ram:TaxCurrencyCode>SEK</ram:TaxCurrencyCode>"
    assert ids(total.format("DKK", "25.00"), sek) == ["BR-DEC-15"]  # none in SEK
    assert ids(total.format("DKK", "25.00") + total.format("SEK", "37.50"), sek) == []
