"""Hand-checked expectations for OIOUBL 2.1 / OIOUBL 3 / Peppol Danish specifics.

Values were read off the official example files by eye; the OIOUBL 2.x totals trap
(TaxExclusiveAmount = VAT) is checked explicitly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from robot.errors import ReadError
from robot.model import DocumentType, Identifier, SourceFormat
from robot.readers import read_document
from robot.serialize import invoice_to_json
from tests.conftest import corpora_path

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def _example(name: str) -> bytes:
    return corpora_path("oioubl-2.1", "Eksempelfiler", name).read_bytes()


def test_oioubl21_invoice_exact_values() -> None:
    inv = read_document(_example("OIOUBL_Invoice_v2p2.xml"), "OIOUBL_Invoice_v2p2.xml")
    assert inv.format == SourceFormat.OIOUBL_2 == "oioubl-2"
    assert inv.document_type is DocumentType.INVOICE
    assert (inv.number, inv.type_code, inv.customization_id) == ("A00095678", "380", "OIOUBL-2.1")
    assert inv.issue_date == date(2005, 11, 20)
    assert inv.due_date == date(2005, 11, 25)  # PaymentMeans/PaymentDueDate
    assert inv.delivery_date == date(2005, 11, 15)
    assert (inv.currency, inv.order_reference, inv.accounting_cost) == ("DKK", "5002701", "5250124502")
    # totals: the OIOUBL trap
    t = inv.totals
    assert t.line_extension == Decimal("5050.00")
    assert t.tax == Decimal("1262.50")
    assert t.oioubl_tax_exclusive_element == Decimal("1262.50")
    assert t.tax_exclusive == Decimal("5050.00")
    assert t.tax_inclusive == Decimal("6312.50")
    assert t.payable == Decimal("6312.50")
    assert str(t.payable) == "6312.50"
    # parties
    assert inv.seller.endpoint == Identifier("DK16356706", "DK:CVR")
    assert inv.seller.legal_id == Identifier("DK16356706", "DK:CVR")
    assert inv.seller.vat_id == "DK16356706"
    assert inv.seller.name == "Tavleleverandøren"
    assert inv.seller.trading_name == "Tavleverandøren"
    assert inv.seller.address is not None and inv.seller.address.street == "Leverandørvej 11"
    assert inv.buyer.endpoint == Identifier("5798009811578", "GLN")
    assert inv.buyer.name == "Den Lille Skole"
    assert inv.buyer.contact is not None and inv.buyer.contact.id == "7778"
    assert inv.buyer_reference == "7778"  # no BuyerReference: the person reference
    assert inv.person_reference == "7778"
    # payment means: domestic bank account
    (pm,) = inv.payment_means
    assert (pm.code, pm.channel, pm.account, pm.branch) == ("42", "DK:BANK", "1234567890", "1234")
    # VAT breakdown and lines
    (vat,) = inv.vat_breakdown
    assert (vat.category, vat.rate, vat.taxable_amount, vat.tax_amount) == (
        "StandardRated",
        Decimal("25"),
        Decimal("5050.00"),
        Decimal("1262.50"),
    )
    assert [(ln.id, ln.quantity, ln.unit, ln.net_amount, ln.price, ln.base_quantity) for ln in inv.lines] == [
        ("1", Decimal("1.00"), "EA", Decimal("5000.00"), Decimal("5000.00"), Decimal("1")),
        ("2", Decimal("2.00"), "EA", Decimal("50.00"), Decimal("25.00"), Decimal("1")),
    ]
    assert [ln.oioubl_line_tax for ln in inv.lines] == [Decimal("1250.00"), Decimal("12.50")]
    assert [(ln.vat_category, ln.vat_rate) for ln in inv.lines] == [("StandardRated", Decimal("25"))] * 2
    assert [ln.order_line_reference for ln in inv.lines] == ["1", "2"]
    assert inv.lines[0].item_name == "Hejsetavle"
    assert inv.lines[0].seller_item_id == "5712345780121"


def test_oioubl21_credit_note() -> None:
    inv = read_document(_example("OIOUBL_CreditNote_v2p2.xml"), "OIOUBL_CreditNote_v2p2.xml")
    assert inv.is_credit_note and inv.format == "oioubl-2"
    assert inv.number == "A00095679"
    assert [ln.quantity for ln in inv.lines] == [Decimal("1.00"), Decimal("2.00")]  # CreditedQuantity
    assert inv.totals.oioubl_tax_exclusive_element == Decimal("1262.50")
    assert inv.totals.tax_exclusive == inv.totals.line_extension
    assert inv.preceding_invoices  # BillingReference


def test_oioubl3_invoice_is_net_tax_exclusive() -> None:
    path = corpora_path(
        "oioubl-3", "examples", "invoice", "OIOUBL3_Invoice_billing_with_response_Example.xml"
    )
    inv = read_document(path.read_bytes(), path.name)
    assert inv.format == SourceFormat.OIOUBL_3
    assert inv.profile_id == "urn:fdc:oioubl.dk:bis:billing_with_response:3"
    assert inv.number == "202400095678"
    assert inv.seller.endpoint == Identifier("16356706", "0184")
    assert inv.seller.vat_id == "DK16356706"
    assert inv.totals.payable == Decimal("6312.50")
    assert inv.totals.tax_exclusive == inv.totals.line_extension  # net, as in EN 16931
    assert inv.totals.oioubl_tax_exclusive_element is None
    assert (inv.payment_means[0].account, inv.payment_means[0].branch) == ("1234567890", "1234")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("OIOUBL_ApplicationResponse_v2p2.xml", "ApplicationResponse"),
        ("OIOUBL_Catalogue_v2p2.xml", "Catalogue"),
        ("OIOUBL_CatalogueDeletion_v2p2.xml", "CatalogueDeletion"),
        ("OIOUBL_CatalogueItemSpecificationUpdate_v2p2.xml", "CatalogueItemSpecificationUpdate"),
        ("OIOUBL_CataloguePricingUpdate_v2p2.xml", "CataloguePricingUpdate"),
        ("OIOUBL_CatalogueRequest_v2p2.xml", "CatalogueRequest"),
        ("OIOUBL_Order_v2p2.xml", "Order"),
        ("OIOUBL_OrderCancellation_v2p2.xml", "OrderCancellation"),
        ("OIOUBL_OrderChange_v2p2.xml", "OrderChange"),
        ("OIOUBL_OrderResponse_v2p2.xml", "OrderResponse"),
        ("OIOUBL_OrderResponseSimple_v2p2.xml", "OrderResponseSimple"),
        ("OIOUBL_Reminder_v2p2.xml", "Reminder"),
        ("OIOUBL_Statement_v2p2.xml", "Statement"),
        ("OIOUBL_UtilityStatement_v2p2.xml", "UtilityStatement"),
    ],
)
def test_other_oioubl_documents_are_named(name: str, kind: str) -> None:
    with pytest.raises(ReadError) as info:
        read_document(_example(name), name)
    err = info.value
    assert err.file == name
    assert err.field == "root element"
    assert f"an OIOUBL 2 {kind} (root element {kind}," in err.reason
    assert err.expected is not None and "Invoice or CreditNote" in err.expected


@pytest.mark.parametrize(
    ("folder", "name", "kind"),
    [
        ("ir", "OIOUBL3_InvoiceResponse_billing_with_response_Example.xml", "Invoice Response"),
        ("mlr", "OIOUBL-Message-Level-Response-Example.xml", "Message Level Response"),
        ("mlr", "OIOUBL-Message-Level-Response-Network-Example.xml", "Message Level Response"),
    ],
)
def test_oioubl3_responses_are_named(folder: str, name: str, kind: str) -> None:
    path = corpora_path("oioubl-3", "examples", folder, name)
    with pytest.raises(ReadError, match=f"ApplicationResponse \\({kind}\\)"):
        read_document(path.read_bytes(), name)


def test_oioubl2_fik_payment_means() -> None:
    doc = f"""<Invoice {NS}>
      <cbc:CustomizationID>OIOUBL-2.02</cbc:CustomizationID><cbc:ID>F-1</cbc:ID>
      <cbc:AccountingCostCode>1234-56</cbc:AccountingCostCode>
      <cbc:BuyerReference>ABC</cbc:BuyerReference>
      <cac:AccountingCustomerParty><cac:Party><cac:Contact><cbc:ID>XYZ</cbc:ID></cac:Contact></cac:Party>
      </cac:AccountingCustomerParty>
      <cac:PaymentMeans><cbc:ID>1</cbc:ID><cbc:PaymentMeansCode>93</cbc:PaymentMeansCode>
        <cbc:PaymentDueDate>2025-01-31</cbc:PaymentDueDate>
        <cbc:PaymentChannelCode>DK:FIK</cbc:PaymentChannelCode>
        <cbc:InstructionID>000000001234567</cbc:InstructionID><cbc:PaymentID>71</cbc:PaymentID>
        <cac:CreditAccount><cbc:AccountID>12345678</cbc:AccountID></cac:CreditAccount>
      </cac:PaymentMeans>
      <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">100.00</cbc:LineExtensionAmount>
        <cbc:TaxExclusiveAmount currencyID="DKK">23.75</cbc:TaxExclusiveAmount>
        <cbc:AllowanceTotalAmount currencyID="DKK">10.00</cbc:AllowanceTotalAmount>
        <cbc:ChargeTotalAmount currencyID="DKK">5.00</cbc:ChargeTotalAmount>
      </cac:LegalMonetaryTotal></Invoice>"""
    inv = read_document(doc.encode(), "fik.xml")
    (pm,) = inv.payment_means
    assert (pm.code, pm.channel, pm.instruction_id, pm.payment_id, pm.creditor_account) == (
        "93",
        "DK:FIK",
        "000000001234567",
        "71",
        "12345678",
    )
    assert inv.due_date == date(2025, 1, 31)
    assert inv.accounting_cost == "1234-56"
    assert inv.buyer_reference == "ABC"  # an explicit BuyerReference wins over Contact/ID
    assert inv.totals.tax_exclusive == Decimal("95.00")  # 100.00 - 10.00 + 5.00
    assert inv.totals.oioubl_tax_exclusive_element == Decimal("23.75")


def test_peppol_fik_payment_id_and_branch() -> None:
    doc = f"""<Invoice {NS}>
      <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
      <cac:PaymentMeans><cbc:PaymentMeansCode>93</cbc:PaymentMeansCode><cbc:PaymentID>71#000000001234567</cbc:PaymentID>
        <cac:PayeeFinancialAccount><cbc:ID>12345678</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
      <cac:PaymentMeans><cbc:PaymentMeansCode>31</cbc:PaymentMeansCode>
        <cac:PayeeFinancialAccount><cbc:ID>DK5000400440116243</cbc:ID>
        <cac:FinancialInstitutionBranch><cbc:ID>DABADKKK</cbc:ID></cac:FinancialInstitutionBranch>
        </cac:PayeeFinancialAccount></cac:PaymentMeans>
      <cac:PaymentMeans><cbc:PaymentMeansCode>49</cbc:PaymentMeansCode>
        <cac:PaymentMandate><cbc:ID>MANDATE-7</cbc:ID>
        <cac:PayerFinancialAccount><cbc:ID>DK11</cbc:ID></cac:PayerFinancialAccount></cac:PaymentMandate>
      </cac:PaymentMeans></Invoice>"""
    inv = read_document(doc.encode(), "peppol-fik.xml")
    assert inv.format == "peppol-bis3"
    fik, iban, debit = inv.payment_means
    assert (fik.payment_id, fik.account, fik.creditor_account) == (
        "71#000000001234567",
        "12345678",
        "12345678",
    )
    assert (iban.account, iban.branch, iban.creditor_account) == ("DK5000400440116243", "DABADKKK", None)
    assert (debit.mandate, debit.debited_account) == ("MANDATE-7", "DK11")


def _with_free_second_line(indicator: str) -> bytes:
    root = etree.fromstring(_example("OIOUBL_Invoice_v2p2.xml"))
    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    line = root.findall(
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}InvoiceLine"
    )[1]
    flag = etree.Element(f"{{{cbc}}}FreeOfChargeIndicator")
    flag.text = indicator
    line.find(f"{{{cbc}}}LineExtensionAmount").addnext(flag)  # type: ignore[union-attr]
    return etree.tostring(root)


def test_oioubl21_price_units_factor_and_free_of_charge() -> None:
    inv = read_document(_example("OIOUBL_Invoice_v2p2.xml"), "OIOUBL_Invoice_v2p2.xml")
    assert [
        (
            ln.unit,
            ln.base_quantity,
            ln.base_quantity_unit,
            ln.oioubl_orderable_unit_factor_rate,
            ln.free_of_charge,
        )
        for ln in inv.lines
    ] == [("EA", Decimal("1"), "EA", Decimal("1"), False)] * 2
    free = read_document(_with_free_second_line(" true "), "free.xml")
    assert [ln.free_of_charge for ln in free.lines] == [False, True]
    assert [ln["free_of_charge"] for ln in invoice_to_json(free)["lines"]] == [False, True]
    assert [ln.free_of_charge for ln in read_document(_with_free_second_line("false"), "f.xml").lines] == [
        False,
        False,
    ]
