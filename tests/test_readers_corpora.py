"""Every official example invoice/credit note reads, and its values match an independent XPath read.

The expectations come from lxml XPath straight on the file, not from the reader's own code paths.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from robot.model import DocumentType, Invoice, Line, SourceFormat
from robot.readers import detect_format, read_document
from tests.conftest import CORPORA, corpora_path

UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL_GLOBS = [
    "peppol-bis-invoice-3/rules/examples/*.xml",
    "en16931/ubl/examples/*",
    "oioubl-2.1/Eksempelfiler/*Invoice*.xml",
    "oioubl-2.1/Eksempelfiler/*CreditNote*.xml",
    "oioubl-3/examples/invoice/*.xml",
    "oioubl-3/examples/creditnote/*.xml",
]
CII_GLOBS = ["en16931/cii/examples/*.xml"]


def _files(globs: list[str]) -> list[object]:
    if not CORPORA.exists():
        return [pytest.param(None, id="corpora-absent")]
    return [pytest.param(path, id=path.name) for pattern in globs for path in sorted(CORPORA.glob(pattern))]


def _read(path: Path | None) -> tuple[Invoice, etree._Element]:
    corpora_path()
    assert path is not None
    content = path.read_bytes()
    return read_document(content, path.name), etree.fromstring(content)


def _s(root: etree._Element, expr: str, ns: dict[str, str]) -> str | None:
    value = str(root.xpath(f"normalize-space({expr})", namespaces=ns))
    return value or None


def _d(root: etree._Element, expr: str, ns: dict[str, str]) -> Decimal | None:
    value = _s(root, expr, ns)
    return None if value is None else Decimal(value)


def _norm(value: str | None) -> str | None:
    """Whitespace collapsed like XPath normalize-space (names may wrap lines in the file)."""
    return None if value is None else " ".join(value.split())


def _ds(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


#: The document totals (BG-22) and the UBL ``cac:LegalMonetaryTotal`` / CII monetary summation
#: element each is read from (UBL's TaxExclusiveAmount is checked on its own).
TOTALS: dict[str, tuple[str | None, str]] = {
    "line_extension": ("LineExtensionAmount", "LineTotalAmount"),
    "tax_exclusive": (None, "TaxBasisTotalAmount"),
    "tax_inclusive": ("TaxInclusiveAmount", "GrandTotalAmount"),
    "allowances": ("AllowanceTotalAmount", "AllowanceTotalAmount"),
    "charges": ("ChargeTotalAmount", "ChargeTotalAmount"),
    "prepaid": ("PrepaidAmount", "TotalPrepaidAmount"),
    "rounding": ("PayableRoundingAmount", "RoundingAmount"),
    "payable": ("PayableAmount", "DuePayableAmount"),
}


def _line_amounts(line: Line) -> tuple[str | None, ...]:
    """What both oracles compare first on a line: its id, quantity, unit, net amount and price."""
    return (line.id, _ds(line.quantity), line.unit, _ds(line.net_amount), _ds(line.price))


def _assert_classifications(line: Line, codes: list[etree._Element]) -> None:
    """The line's item classifications (BT-158) are the class code elements, in order."""
    assert [(c.code, c.list_id, c.list_version) for c in line.classifications] == [
        ((c.text or "").strip(), c.get("listID"), c.get("listVersionID")) for c in codes
    ]


@pytest.mark.parametrize("path", _files(UBL_GLOBS))
def test_ubl_example_matches_xpath(path: Path | None) -> None:
    inv, root = _read(path)
    x = lambda expr: _s(root, expr, UBL_NS)  # noqa: E731
    credit = etree.QName(root).localname == "CreditNote"
    assert inv.document_type is (DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE)
    customization = x("/*/cbc:CustomizationID") or ""
    if customization.startswith("OIOUBL-2"):
        assert inv.format == SourceFormat.OIOUBL_2
    elif "oioubl" in customization:
        assert inv.format == SourceFormat.OIOUBL_3
    elif "peppol.eu:2017:poacc:billing:3.0" in customization:
        assert inv.format == SourceFormat.PEPPOL_BIS3
    else:
        assert inv.format == SourceFormat.EN16931_UBL
    assert inv.number == x("/*/cbc:ID")
    assert (inv.issue_date.isoformat() if inv.issue_date else None) == x("/*/cbc:IssueDate")
    assert inv.currency == x("/*/cbc:DocumentCurrencyCode")
    assert inv.order_reference == x("/*/cac:OrderReference/cbc:ID")
    assert inv.accounting_cost == (
        x("/*/cbc:AccountingCost")
        or (x("/*/cbc:AccountingCostCode") if inv.format == SourceFormat.OIOUBL_2 else None)
    )
    buyer_ref = x("/*/cbc:BuyerReference")
    if inv.format == SourceFormat.OIOUBL_2 and buyer_ref is None:
        buyer_ref = x("/*/cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ID")
    assert inv.buyer_reference == buyer_ref
    assert inv.preceding_invoices == [
        str(v).strip() for v in root.xpath("/*/cac:BillingReference/*/cbc:ID/text()", namespaces=UBL_NS)
    ]
    for party, role in ((inv.seller, "AccountingSupplierParty"), (inv.buyer, "AccountingCustomerParty")):
        p = f"/*/cac:{role}/cac:Party"
        assert (party.endpoint.value if party.endpoint else None) == x(f"{p}/cbc:EndpointID")
        assert (party.endpoint.scheme if party.endpoint else None) == x(f"{p}/cbc:EndpointID/@schemeID")
        assert (party.legal_id.value if party.legal_id else None) == x(
            f"{p}/cac:PartyLegalEntity/cbc:CompanyID"
        )
        assert _norm(party.name) == (
            x(f"{p}/cac:PartyLegalEntity/cbc:RegistrationName") or x(f"{p}/cac:PartyName/cbc:Name")
        )
        assert (party.address.country if party.address else None) == x(
            f"{p}/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
        )
    total = "/*/cac:LegalMonetaryTotal"
    t = inv.totals
    for attr, (element, _) in TOTALS.items():
        if element is not None:  # UBL's TaxExclusiveAmount: below, OIOUBL 2.x puts VAT in it
            assert _ds(getattr(t, attr)) == x(f"{total}/cbc:{element}"), attr
    raw_tax_exclusive = _d(root, f"{total}/cbc:TaxExclusiveAmount", UBL_NS)
    if inv.format == SourceFormat.OIOUBL_2:
        assert t.oioubl_tax_exclusive_element == raw_tax_exclusive
        assert t.tax_exclusive == (t.line_extension or 0) - (t.allowances or 0) + (t.charges or 0)
    else:
        assert t.tax_exclusive == raw_tax_exclusive
        assert t.oioubl_tax_exclusive_element is None
    currency = inv.currency
    in_doc_currency = (
        f"/*/cac:TaxTotal[not(cbc:TaxAmount/@currencyID) or cbc:TaxAmount/@currencyID='{currency}']"
    )
    tax_amounts = [
        Decimal(v) for v in root.xpath(f"{in_doc_currency}/cbc:TaxAmount/text()", namespaces=UBL_NS)
    ]
    assert t.tax == (sum(tax_amounts, Decimal(0)) if tax_amounts else None)
    expected_vat = [
        (
            _s(sub, "cac:TaxCategory/cbc:ID", UBL_NS),
            _d(sub, "cac:TaxCategory/cbc:Percent", UBL_NS),
            _d(sub, "cbc:TaxableAmount", UBL_NS),
            _d(sub, "cbc:TaxAmount", UBL_NS),
            _s(sub, "cac:TaxCategory/cbc:TaxExemptionReason", UBL_NS),
        )
        for sub in root.xpath(f"{in_doc_currency}/cac:TaxSubtotal", namespaces=UBL_NS)
    ]
    assert [
        (v.category, v.rate, v.taxable_amount, v.tax_amount, v.exemption_reason) for v in inv.vat_breakdown
    ] == (expected_vat)
    assert expected_vat, "every example carries a VAT breakdown"
    line_tag, qty_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    line_paths = (
        "cbc:ID",
        f"cbc:{qty_tag}",
        f"cbc:{qty_tag}/@unitCode",
        "cbc:LineExtensionAmount",
        "cac:Price/cbc:PriceAmount",
        "cac:Price/cbc:BaseQuantity",
        "cac:Item/cbc:Name",
        "cac:OrderLineReference/cbc:LineID",
        "cbc:AccountingCost",
    )
    expected_lines = [
        tuple(_s(el, expr, UBL_NS) for expr in line_paths)
        for el in root.xpath(f"/*/cac:{line_tag}", namespaces=UBL_NS)
    ]
    got_lines = [
        (
            *_line_amounts(ln),
            _ds(ln.base_quantity),
            _norm(ln.item_name),
            ln.order_line_reference,
            ln.accounting_cost,
        )
        for ln in inv.lines
    ]
    assert got_lines == expected_lines
    assert expected_lines
    for line, el in zip(inv.lines, root.xpath(f"/*/cac:{line_tag}", namespaces=UBL_NS), strict=True):
        category = _s(el, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID", UBL_NS)
        if category is None and inv.format == SourceFormat.OIOUBL_2:
            category = _s(el, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", UBL_NS)
        assert line.vat_category == category
        codes = el.xpath("cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode", namespaces=UBL_NS)
        _assert_classifications(line, codes)
    assert detect_format(path.read_bytes()) == SourceFormat(inv.format)  # type: ignore[union-attr]


@pytest.mark.parametrize("path", _files(CII_GLOBS))
def test_cii_example_matches_xpath(path: Path | None) -> None:
    inv, root = _read(path)
    x = lambda expr: _s(root, expr, CII_NS)  # noqa: E731
    assert inv.format == SourceFormat.CII
    type_code = x("/*/rsm:ExchangedDocument/ram:TypeCode")
    assert inv.type_code == type_code
    assert inv.is_credit_note is (type_code == "381")
    assert inv.number == x("/*/rsm:ExchangedDocument/ram:ID")
    raw_date = x("/*/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    assert raw_date and inv.issue_date and inv.issue_date.strftime("%Y%m%d") == raw_date
    trade = "/*/rsm:SupplyChainTradeTransaction"
    agreement = f"{trade}/ram:ApplicableHeaderTradeAgreement"
    settlement = f"{trade}/ram:ApplicableHeaderTradeSettlement"
    assert inv.currency == x(f"{settlement}/ram:InvoiceCurrencyCode")
    assert inv.buyer_reference == x(f"{agreement}/ram:BuyerReference")
    assert inv.order_reference == x(f"{agreement}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
    for party, role in ((inv.seller, "SellerTradeParty"), (inv.buyer, "BuyerTradeParty")):
        p = f"{agreement}/ram:{role}"
        assert _norm(party.name) == x(f"{p}/ram:Name")
        assert (party.legal_id.value if party.legal_id else None) == x(
            f"{p}/ram:SpecifiedLegalOrganization/ram:ID"
        )
        assert party.vat_id == x(f"{p}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']")
        assert (party.endpoint.value if party.endpoint else None) == x(
            f"{p}/ram:URIUniversalCommunication/ram:URIID"
        )
    summation = f"{settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    t = inv.totals
    for attr, (_, element) in TOTALS.items():
        assert _ds(getattr(t, attr)) == x(f"{summation}/ram:{element}"), attr
    currency = inv.currency
    assert _ds(t.tax) == (
        x(f"{summation}/ram:TaxTotalAmount[@currencyID='{currency}']") or x(f"{summation}/ram:TaxTotalAmount")
    )
    expected_vat = [
        (
            _s(el, "ram:CategoryCode", CII_NS),
            _d(el, "ram:RateApplicablePercent", CII_NS),
            _d(el, "ram:BasisAmount", CII_NS),
            _d(el, "ram:CalculatedAmount", CII_NS),
        )
        for el in root.xpath(f"{settlement}/ram:ApplicableTradeTax", namespaces=CII_NS)
    ]
    assert [(v.category, v.rate, v.taxable_amount, v.tax_amount) for v in inv.vat_breakdown] == expected_vat
    assert expected_vat
    expected_lines = [
        (
            _s(el, "ram:AssociatedDocumentLineDocument/ram:LineID", CII_NS),
            _ds(_d(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", CII_NS)),
            _s(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode", CII_NS),
            _s(
                el,
                "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                CII_NS,
            ),
            _s(el, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount", CII_NS),
            _s(el, "ram:SpecifiedTradeProduct/ram:Name", CII_NS),
            _s(el, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", CII_NS),
        )
        for el in root.xpath(f"{trade}/ram:IncludedSupplyChainTradeLineItem", namespaces=CII_NS)
    ]
    got = [(*_line_amounts(ln), _norm(ln.item_name), ln.vat_category) for ln in inv.lines]
    assert got == expected_lines
    assert expected_lines
    items = root.xpath(f"{trade}/ram:IncludedSupplyChainTradeLineItem", namespaces=CII_NS)
    for line, el in zip(inv.lines, items, strict=True):
        codes = el.xpath(
            "ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode", namespaces=CII_NS
        )
        _assert_classifications(line, codes)


def _cii_lines(name: str) -> list[tuple[str | None, Decimal | None, Decimal | None, str | None]]:
    path = corpora_path("en16931", "cii", "examples", name)
    inv = read_document(path.read_bytes(), name)
    return [(ln.id, ln.price, ln.base_quantity, ln.base_quantity_unit) for ln in inv.lines]


def test_cii_price_base_quantity_is_the_net_price_basis_quantity() -> None:
    """BT-149 = NetPriceProductTradePrice/BasisQuantity, read as written (never the price).

    CEN's CII_example2 really writes BasisQuantity equal to ChargeAmount (1273 / 1273, a flaw of the
    example, not of the reader: the UBL twin ubl-tc434-example2 has BaseQuantity 1); huf_example_cii
    has a price of 36109.00 per 100.
    """
    D = Decimal
    assert _cii_lines("CII_example2.xml")[:2] == [
        ("1", D("1273"), D("1273"), "NAR"),
        ("2", D("3.96"), D("3.96"), "NAR"),
    ]
    assert [(p, b) for _, p, b, _ in _cii_lines("huf_example_cii.xml")] == [
        (D("36109.00"), D("100")),
        (D("37134.00"), D("100")),
        (D("37550.00"), D("100")),
    ]


CII_LINE = (
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"'
    b' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
    b"<rsm:ExchangedDocument><ram:ID>B-1</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>"
    b"<rsm:SupplyChainTradeTransaction><ram:IncludedSupplyChainTradeLineItem>"
    b"<ram:SpecifiedLineTradeAgreement>"
    b"<ram:GrossPriceProductTradePrice><ram:ChargeAmount>60</ram:ChargeAmount>%s</ram:GrossPriceProductTradePrice>"
    b"<ram:NetPriceProductTradePrice><ram:ChargeAmount>50</ram:ChargeAmount>%s</ram:NetPriceProductTradePrice>"
    b"</ram:SpecifiedLineTradeAgreement>"
    b'<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="H87">20</ram:BilledQuantity>'
    b"</ram:SpecifiedLineTradeDelivery>"
    b"</ram:IncludedSupplyChainTradeLineItem></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
)


@pytest.mark.parametrize(
    ("gross_basis", "net_basis", "expected"),
    [
        (b"", b'<ram:BasisQuantity unitCode="H87">10</ram:BasisQuantity>', (Decimal("10"), "H87")),
        (b'<ram:BasisQuantity unitCode="H87">5</ram:BasisQuantity>', b"", (Decimal("5"), "H87")),
        (b"", b"", (None, None)),
    ],
)
def test_cii_base_quantity_from_net_else_gross_price(
    gross_basis: bytes, net_basis: bytes, expected: tuple[Decimal | None, str | None]
) -> None:
    (line,) = read_document(CII_LINE % (gross_basis, net_basis), "b.xml").lines
    assert (line.price, line.gross_price, line.quantity) == (Decimal("50"), Decimal("60"), Decimal("20"))
    assert (line.base_quantity, line.base_quantity_unit) == expected
