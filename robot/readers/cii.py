"""CII (CrossIndustryInvoice, EN 16931 / Factur-X / ZUGFeRD 2 / XRechnung) into the canonical model.

Type codes 381, 261, 262, 296, 308, 396, 420, 458, 532, 81 and 83 are credit notes (EN 16931 UNCL1001
credit subset); everything else is an invoice.

    >>> from robot.readers.xmlsafe import parse_xml
    >>> root = parse_xml(
    ...     b'<rsm:CrossIndustryInvoice'
    ...     b' xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"'
    ...     b' xmlns:ram="urn:un:unece:uncefact:data:standard:'
    ...     b'ReusableAggregateBusinessInformationEntity:100">'
    ...     b'<rsm:ExchangedDocument><ram:ID>C-1</ram:ID><ram:TypeCode>381</ram:TypeCode>'
    ...     b'</rsm:ExchangedDocument></rsm:CrossIndustryInvoice>')
    >>> inv = read_cii(Node(root))
    >>> inv.number, inv.document_type.value
    ('C-1', 'credit_note')
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robot.model import DocumentType, Invoice, Line, SourceFormat, Totals
from robot.readers import elements
from robot.readers.cii_parts import (
    C,
    cii_date,
    party_ids_present,
    read_allowance_charge,
    read_payment_means,
    read_period,
    read_trade_party,
    read_trade_tax,
    walk,
)
from robot.readers.fieldlimits import CII, check_invoice
from robot.readers.nodes import Node, node_decimal

CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})


def read_cii(root: Node) -> Invoice:
    """Map a ``rsm:CrossIndustryInvoice`` root; absent fields stay None/empty.

    A text over its input limit is a ReadError (:func:`~robot.readers.fieldlimits.check_invoice`).
    """
    doc = C.first(root, "rsm:ExchangedDocument")
    trade = C.first(root, "rsm:SupplyChainTradeTransaction")
    agreement = C.first(trade, "ram:ApplicableHeaderTradeAgreement")
    delivery = C.first(trade, "ram:ApplicableHeaderTradeDelivery")
    settlement = C.first(trade, "ram:ApplicableHeaderTradeSettlement")
    type_code = C.text(doc, "ram:TypeCode")
    currency = C.text(settlement, "ram:InvoiceCurrencyCode")
    terms = C.all(settlement, "ram:SpecifiedTradePaymentTerms")
    payment_id = C.text(settlement, "ram:PaymentReference")
    mandate = next((m for t in terms if (m := C.text(t, "ram:DirectDebitMandateID"))), None)
    payee = C.first(settlement, "ram:PayeeTradeParty")
    representative = C.first(agreement, "ram:SellerTaxRepresentativeTradeParty")
    texts: dict[str, Any] = C.text_fields(root, elements.INVOICE.cii)
    inv = Invoice(
        **texts,
        format=SourceFormat.CII,
        document_type=DocumentType.CREDIT_NOTE if type_code in CREDIT_NOTE_CODES else DocumentType.INVOICE,
        type_code=type_code,
        issue_date=cii_date(doc, "ram:IssueDateTime"),
        due_date=next((d for t in terms if (d := cii_date(t, "ram:DueDateDateTime"))), None),
        tax_point_date=cii_date(
            C.first(settlement, "ram:ApplicableTradeTax"), "ram:TaxPointDate", "udt:DateString"
        ),
        currency=currency,
        notes=[n for el in C.all(doc, "ram:IncludedNote") if (n := C.text(el, "ram:Content"))],
        preceding_invoices=C.texts(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
        seller=read_trade_party(C.first(agreement, "ram:SellerTradeParty")),
        buyer=read_trade_party(C.first(agreement, "ram:BuyerTradeParty")),
        payee=None if payee is None else read_trade_party(payee),
        tax_representative=None if representative is None else read_trade_party(representative),
        delivery_date=cii_date(delivery, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime"),
        period=read_period(C.first(settlement, "ram:BillingSpecifiedPeriod")),
        payment_means=[
            read_payment_means(el, payment_id, mandate)
            for el in C.all(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        ],
        payment_terms="\n".join(x for t in terms if (x := C.text(t, "ram:Description"))) or None,
        allowances_charges=[
            read_allowance_charge(el) for el in C.all(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ],
        vat_breakdown=[read_trade_tax(el, currency) for el in C.all(settlement, "ram:ApplicableTradeTax")],
    )
    tax_code = C.first(settlement, "ram:TaxCurrencyCode")
    in_tax_currency = _read_summation(
        C.first(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation"),
        inv,
        None if tax_code is None else (tax_code.el.text or ""),
    )
    inv.lines = [read_line(el) for el in C.all(trade, "ram:IncludedSupplyChainTradeLineItem")]
    written = walk(root)
    inv.vat_ids, inv.mime_codes = written.vat_ids, written.mime_codes
    blank_reference = any(
        not C.text(ref, "ram:IssuerAssignedID") for ref in C.all(settlement, "ram:InvoiceReferencedDocument")
    )
    inv.present = (
        elements.present(C, root, elements.PRESENCE.cii)
        | party_ids_present(agreement)
        | in_tax_currency
        | (frozenset({"BG-3-empty"}) if blank_reference else frozenset())  # BR-55
        | (frozenset({"BG-24-unreferenced"}) if written.unreferenced else frozenset())  # BR-52
    )
    return check_invoice(inv, CII)


def _read_summation(el: Node | None, inv: Invoice, tax_currency: str | None) -> frozenset[str]:
    """The document totals of the summation; ``{"BT-111"}`` when a VAT total is in the VAT
    accounting currency ``tax_currency`` (BT-6 as written), as BR-53 tests it."""
    if el is None:
        return frozenset()
    totals: Totals = inv.totals
    in_tax_currency = False
    totals.line_extension = C.dec(el, "ram:LineTotalAmount")
    totals.charges = C.dec(el, "ram:ChargeTotalAmount")
    totals.allowances = C.dec(el, "ram:AllowanceTotalAmount")
    totals.tax_exclusive = C.dec(el, "ram:TaxBasisTotalAmount")
    written: list[tuple[str | None, Decimal | None]] = []
    for tax in C.all(el, "ram:TaxTotalAmount"):
        currency = tax.get("currencyID")
        in_tax_currency = in_tax_currency or (tax_currency is not None and currency == tax_currency)
        value = node_decimal(tax)
        written.append((currency, value))
        if currency and inv.currency and currency != inv.currency:
            totals.tax_accounting = value
        elif totals.tax is None:
            totals.tax = value
        else:
            totals.tax_accounting = value
    totals.rounding = C.dec(el, "ram:RoundingAmount")
    totals.tax_inclusive = C.dec(el, "ram:GrandTotalAmount")
    totals.prepaid = C.dec(el, "ram:TotalPrepaidAmount")
    totals.payable = C.dec(el, "ram:DuePayableAmount")
    inv.cii_tax_amounts = tuple(written)
    return frozenset({"BT-111"}) if in_tax_currency else frozenset()


def read_line(el: Node) -> Line:
    """One ``ram:IncludedSupplyChainTradeLineItem``."""
    product = C.first(el, "ram:SpecifiedTradeProduct")
    agreement = C.first(el, "ram:SpecifiedLineTradeAgreement")
    gross = C.first(agreement, "ram:GrossPriceProductTradePrice")
    net = C.first(agreement, "ram:NetPriceProductTradePrice")
    qty = C.first(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    # BT-149 is the net price's BasisQuantity; the gross price's one (BT-149-1) stands in when absent
    basis = C.first(net, "ram:BasisQuantity") or C.first(gross, "ram:BasisQuantity")
    settlement = C.first(el, "ram:SpecifiedLineTradeSettlement")
    tax = C.first(settlement, "ram:ApplicableTradeTax")
    texts: dict[str, Any] = C.text_fields(el, elements.LINE.cii)
    return Line(
        **texts,
        quantity=C.dec(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
        unit=None if qty is None else qty.get("unitCode"),
        net_amount=C.dec(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"),
        price=C.dec(net, "ram:ChargeAmount"),
        gross_price=C.dec(gross, "ram:ChargeAmount"),
        price_discount=C.dec(gross, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount"),
        base_quantity=None if basis is None else node_decimal(basis),
        base_quantity_unit=None if basis is None else basis.get("unitCode"),
        standard_item_id=C.ident(product, "ram:GlobalID"),
        classifications=elements.classifications(C, product, elements.CLASSIFICATION.cii),
        vat_rate=C.dec(tax, "ram:RateApplicablePercent"),
        allowances_charges=[
            read_allowance_charge(ac) for ac in C.all(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ],
        period=read_period(C.first(settlement, "ram:BillingSpecifiedPeriod")),
    )
