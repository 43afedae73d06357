"""The shared UBL 2.x mapping: Invoice and CreditNote into the canonical model.

Used as is for Peppol BIS 3, EN 16931 UBL and OIOUBL 3; :mod:`robot.readers.oioubl2` applies the
few OIOUBL 2.x differences on top.

    >>> from robot.readers.xmlsafe import parse_xml
    >>> root = parse_xml(
    ...     b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
    ...     b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    ...     b'<cbc:ID>INV-1</cbc:ID><cbc:IssueDate>2024-12-31</cbc:IssueDate></Invoice>')
    >>> inv = read_ubl(Node(root), SourceFormat.EN16931_UBL)
    >>> inv.number, inv.issue_date
    ('INV-1', datetime.date(2024, 12, 31))
"""

from __future__ import annotations

from typing import Any

from robot.model import DocumentType, Invoice, Line, SourceFormat, TaxTotal, Totals
from robot.readers import elements
from robot.readers.fieldlimits import check_invoice, ubl_elements
from robot.readers.nodes import Node, is_true, local_name
from robot.readers.ubl_parts import (
    U,
    party_ids_present,
    price_indicators,
    read_allowance_charge,
    read_optional_party,
    read_party,
    read_payment_means,
    read_period,
    read_tax_subtotal,
)
from robot.readers.ubl_written import walk

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"


def read_ubl(root: Node, source_format: SourceFormat) -> Invoice:
    """Map a UBL ``Invoice`` or ``CreditNote`` root element; absent fields stay None/empty.

    A text over its input limit is a ReadError (:func:`~robot.readers.fieldlimits.check_invoice`).
    """
    inv = map_ubl(root, source_format)
    return check_invoice(inv, ubl_elements(inv))


def map_ubl(root: Node, source_format: SourceFormat) -> Invoice:
    """:func:`read_ubl` without the input limits, for a reader that changes the invoice further."""
    credit = local_name(root.el) == "CreditNote"
    texts: dict[str, Any] = U.text_fields(root, elements.INVOICE.ubl)
    inv = Invoice(
        **texts,
        format=source_format,
        document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
        type_code=U.text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode"),
        issue_date=U.iso_date(root, "cbc:IssueDate"),
        due_date=U.iso_date(root, "cbc:DueDate"),
        tax_point_date=U.iso_date(root, "cbc:TaxPointDate"),
        currency=U.text(root, "cbc:DocumentCurrencyCode"),
        notes=U.texts(root, "cbc:Note"),
        preceding_invoices=_preceding(root),
        seller=read_party(U.first(root, "cac:AccountingSupplierParty/cac:Party")),
        buyer=read_party(U.first(root, "cac:AccountingCustomerParty/cac:Party")),
        payee=read_optional_party(U.first(root, "cac:PayeeParty")),
        tax_representative=read_optional_party(U.first(root, "cac:TaxRepresentativeParty")),
        delivery_date=U.iso_date(root, "cac:Delivery/cbc:ActualDeliveryDate"),
        period=read_period(U.first(root, "cac:InvoicePeriod")),
        payment_means=[read_payment_means(el) for el in U.all(root, "cac:PaymentMeans")],
        payment_terms="\n".join(t for el in U.all(root, "cac:PaymentTerms") for t in U.texts(el, "cbc:Note"))
        or None,
        allowances_charges=[read_allowance_charge(el) for el in U.all(root, "cac:AllowanceCharge")],
    )
    if inv.due_date is None:
        inv.due_date = next((pm.due_date for pm in inv.payment_means if pm.due_date), None)
    in_tax_currency = _read_tax_totals(root, inv)
    _read_monetary_total(U.first(root, "cac:LegalMonetaryTotal"), inv.totals)
    line_tag, qty_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if credit
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    inv.lines = [read_line(el, qty_tag) for el in U.all(root, line_tag)]
    written = walk(root)
    inv.scheme_ids, inv.amount_currencies, inv.vat_ids, inv.mime_codes = (
        written.scheme_ids,
        written.amount_currencies,
        written.vat_ids,
        written.mime_codes,
    )
    inv.present = (
        elements.present(U, root, elements.PRESENCE.ubl)
        | party_ids_present(root)
        | in_tax_currency
        | _notes(root)
        | written.present
        | _preceding_present(root)
    )
    return inv


def _preceding(root: Node) -> list[str]:
    ids = []
    for ref in U.all(root, "cac:BillingReference"):
        for path in ("cac:InvoiceDocumentReference/cbc:ID", "cac:CreditNoteDocumentReference/cbc:ID"):
            if value := U.text(ref, path):
                ids.append(value)
    return ids


def _preceding_present(root: Node) -> frozenset[str]:
    """``BG-3-empty`` when a BillingReference has no InvoiceDocumentReference/ID (BR-55)."""
    refs = U.all(root, "cac:BillingReference")
    empty = any(U.first(ref, "cac:InvoiceDocumentReference/cbc:ID") is None for ref in refs)
    return frozenset({"BG-3-empty"}) if empty else frozenset()


def _read_tax_totals(root: Node, inv: Invoice) -> frozenset[str]:
    """BT-110 from the TaxTotal(s) in document currency (with the breakdown); BT-111 from the other.

    OIOUBL 2.x may carry one TaxTotal per tax scheme (VAT, duties): their amounts are added up.
    Returns ``{"BT-111"}`` when a TaxTotal's amount is in the VAT accounting currency (BT-6) as
    written, as BR-53 tests it (for ``Invoice.present``).
    """
    code = U.first(root, "cbc:TaxCurrencyCode")
    wanted = None if code is None else (code.el.text or "")
    in_tax_currency = False
    written: list[TaxTotal] = []
    for total in U.all(root, "cac:TaxTotal"):
        amount_el = U.first(total, "cbc:TaxAmount")
        amount = U.dec(total, "cbc:TaxAmount")
        currency = None if amount_el is None else amount_el.get("currencyID")
        in_tax_currency = in_tax_currency or (
            wanted is not None and amount_el is not None and currency == wanted
        )
        # a breakdown is the breakdown whatever the currency its total is written in
        parts = [read_tax_subtotal(el) for el in U.all(total, "cac:TaxSubtotal")]
        inv.vat_breakdown.extend(parts)
        sums = tuple(p.tax_amount for p in parts if p.tax_amount is not None)
        written.append(TaxTotal(amount, currency, sums, bool(parts)))
        if currency and inv.currency and currency != inv.currency:
            inv.totals.tax_accounting = amount
            continue
        if inv.totals.tax is None:
            inv.totals.tax = amount
        elif amount is not None:
            inv.totals.tax += amount
    inv.tax_totals = tuple(written)
    return frozenset({"BT-111"}) if in_tax_currency else frozenset()


def _notes(root: Node) -> frozenset[str]:
    """``BT-22+`` when the document has more than one Note element (PEPPOL-EN16931-R002 counts them)."""
    return frozenset({"BT-22+"}) if len(root.children(U.steps("cbc:Note")[0])) > 1 else frozenset()


def _read_monetary_total(el: Node | None, totals: Totals) -> None:
    if el is None:
        return
    totals.line_extension = U.dec(el, "cbc:LineExtensionAmount")
    totals.tax_exclusive = U.dec(el, "cbc:TaxExclusiveAmount")
    totals.tax_inclusive = U.dec(el, "cbc:TaxInclusiveAmount")
    totals.allowances = U.dec(el, "cbc:AllowanceTotalAmount")
    totals.charges = U.dec(el, "cbc:ChargeTotalAmount")
    totals.prepaid = U.dec(el, "cbc:PrepaidAmount")
    totals.rounding = U.dec(el, "cbc:PayableRoundingAmount")
    totals.payable = U.dec(el, "cbc:PayableAmount")


def read_line(el: Node, qty_tag: str) -> Line:
    """One ``cac:InvoiceLine`` / ``cac:CreditNoteLine``."""
    qty = U.first(el, qty_tag)
    item = U.first(el, "cac:Item")
    price = U.first(el, "cac:Price")
    price_ac = U.first(price, "cac:AllowanceCharge")
    tax_category = U.first(item, "cac:ClassifiedTaxCategory")
    base_qty = U.first(price, "cbc:BaseQuantity")
    texts: dict[str, Any] = U.text_fields(el, elements.LINE.ubl)
    return Line(
        **texts,
        quantity=U.dec(el, qty_tag),
        unit=None if qty is None else qty.get("unitCode"),
        net_amount=U.dec(el, "cbc:LineExtensionAmount"),
        price=U.dec(price, "cbc:PriceAmount"),
        gross_price=U.dec(price_ac, "cbc:BaseAmount"),
        price_discount=U.dec(price_ac, "cbc:Amount"),
        base_quantity=U.dec(price, "cbc:BaseQuantity"),
        base_quantity_unit=None if base_qty is None else base_qty.get("unitCode"),
        free_of_charge=is_true(U.text(el, "cbc:FreeOfChargeIndicator")),
        standard_item_id=U.ident(item, "cac:StandardItemIdentification/cbc:ID"),
        classifications=elements.classifications(U, item, elements.CLASSIFICATION.ubl),
        vat_rate=U.dec(tax_category, "cbc:Percent"),
        allowances_charges=[read_allowance_charge(ac) for ac in U.all(el, "cac:AllowanceCharge")],
        period=read_period(U.first(el, "cac:InvoicePeriod")),
        price_indicators=price_indicators(price),
        object_types=tuple(
            None if (code := U.first(ref, "cbc:DocumentTypeCode")) is None else code.el.text or ""
            for ref in U.all(el, "cac:DocumentReference")
        ),
    )
