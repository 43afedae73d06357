"""Render a :class:`~robot.demo.samplegen.documents.DocSpec` as Peppol BIS Billing 3.0 (UBL 2.1) XML.

Danish flavour: supplier CVR as ``0184`` legal entity (DK-R-002/014), buyer GLN endpoint ``0088``,
person reference in ``BuyerReference`` (BT-10), FIK as ``71#<15 digits>`` (DK-R-010/011)::

    >>> from robot.demo.samplegen.scenarios import build
    >>> doc = next(e.doc for e in build(2026)[0] if e.file == "0001-peppol-clean.xml")
    >>> xml = render(doc)
    >>> xml.startswith(b"<?xml")
    True
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from robot.demo.samplegen.documents import DocSpec, Totals, fmt_money, fmt_qty
from robot.demo.samplegen.parties import SampleCustomer, SampleVendor
from robot.demo.samplegen.xmlutil import document_root, line_head, serialize, sub

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
EXEMPTION = {"E": "Momsfritaget undervisning (momslovens § 13, stk. 1, nr. 3)"}


def render(doc: DocSpec) -> bytes:
    credit = doc.credit_note
    root = document_root(doc)
    cur = doc.currency
    sub(root, "cbc:CustomizationID", CUSTOMIZATION)
    sub(root, "cbc:ProfileID", PROFILE)
    sub(root, "cbc:ID", doc.number)
    sub(root, "cbc:IssueDate", doc.issue_date.isoformat())
    if not credit:
        sub(root, "cbc:DueDate", doc.due_date.isoformat())
    sub(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", "381" if credit else "380")
    if doc.note:
        sub(root, "cbc:Note", doc.note)
    sub(root, "cbc:DocumentCurrencyCode", cur)
    if doc.accounting_cost:
        sub(root, "cbc:AccountingCost", doc.accounting_cost)
    if doc.person_ref:
        sub(root, "cbc:BuyerReference", doc.person_ref)
    if doc.order_ref:
        sub(sub(root, "cac:OrderReference"), "cbc:ID", doc.order_ref)
    if doc.billing_ref:
        ref = sub(sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        sub(ref, "cbc:ID", doc.billing_ref[0])
        sub(ref, "cbc:IssueDate", doc.billing_ref[1].isoformat())
    _supplier(sub(root, "cac:AccountingSupplierParty"), doc.seller)
    _customer(sub(root, "cac:AccountingCustomerParty"), doc.buyer, doc.ean)
    sub(sub(root, "cac:Delivery"), "cbc:ActualDeliveryDate", doc.issue_date.isoformat())
    _payment(root, doc)
    sub(sub(root, "cac:PaymentTerms"), "cbc:Note", f"Netto {doc.payment_terms_days} dage")
    for a in doc.allowances:
        ac = sub(root, "cac:AllowanceCharge")
        sub(ac, "cbc:ChargeIndicator", "true" if a.is_charge else "false")
        sub(ac, "cbc:AllowanceChargeReasonCode", a.reason_code)
        sub(ac, "cbc:AllowanceChargeReason", a.reason)
        sub(ac, "cbc:Amount", fmt_money(a.amount), currencyID=cur)
        _tax_category(ac, "cac:TaxCategory", a.category, a.rate)
    totals = doc.totals()
    _tax_total(root, doc, totals)
    _monetary_total(root, doc, totals)
    for ln in doc.lines:
        line = line_head(root, doc, ln)
        item = sub(line, "cac:Item")
        sub(item, "cbc:Name", ln.item.name)
        sub(sub(item, "cac:SellersItemIdentification"), "cbc:ID", ln.item.id)
        _tax_category(item, "cac:ClassifiedTaxCategory", ln.item.category, ln.item.rate)
        sub(sub(line, "cac:Price"), "cbc:PriceAmount", fmt_money(ln.unit_price), currencyID=cur)
    return serialize(root)


def _address(party: etree._Element, street: str, city: str, zip_code: str) -> None:
    addr = sub(party, "cac:PostalAddress")
    sub(addr, "cbc:StreetName", street)
    sub(addr, "cbc:CityName", city)
    sub(addr, "cbc:PostalZone", zip_code)
    sub(sub(addr, "cac:Country"), "cbc:IdentificationCode", "DK")


def _supplier(parent: etree._Element, v: SampleVendor) -> None:
    party = sub(parent, "cac:Party")
    if v.gln:
        sub(party, "cbc:EndpointID", v.gln, schemeID="0088")
    else:
        sub(party, "cbc:EndpointID", v.cvr, schemeID="0184")
    sub(sub(party, "cac:PartyIdentification"), "cbc:ID", v.cvr, schemeID="0184")
    sub(sub(party, "cac:PartyName"), "cbc:Name", v.name)
    _address(party, v.street, v.city, v.zip)
    pts = sub(party, "cac:PartyTaxScheme")
    sub(pts, "cbc:CompanyID", f"DK{v.cvr}")
    sub(sub(pts, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = sub(party, "cac:PartyLegalEntity")
    sub(legal, "cbc:RegistrationName", v.name)
    sub(legal, "cbc:CompanyID", v.cvr, schemeID="0184")
    contact = sub(party, "cac:Contact")
    sub(contact, "cbc:Name", "Debitorbogholderiet")
    sub(contact, "cbc:ElectronicMail", f"faktura@{v.number.lower()}.example.dk")


def _customer(parent: etree._Element, c: SampleCustomer, ean: str) -> None:
    party = sub(parent, "cac:Party")
    sub(party, "cbc:EndpointID", ean, schemeID="0088")
    sub(sub(party, "cac:PartyIdentification"), "cbc:ID", ean, schemeID="0088")
    sub(sub(party, "cac:PartyName"), "cbc:Name", c.name)
    _address(party, c.street, c.city, c.zip)
    legal = sub(party, "cac:PartyLegalEntity")
    sub(legal, "cbc:RegistrationName", c.name)
    sub(legal, "cbc:CompanyID", c.cvr, schemeID="0184")


def _payment(root: etree._Element, doc: DocSpec) -> None:
    pay = doc.payment
    pm = sub(root, "cac:PaymentMeans")
    sub(pm, "cbc:PaymentMeansCode", pay.code)
    if pay.code == "93":
        sub(pm, "cbc:PaymentID", f"{pay.fik_kind}#{pay.fik_id}")
    elif pay.code in ("31", "42"):
        sub(pm, "cbc:PaymentID", doc.number)
    if pay.account:
        acc = sub(pm, "cac:PayeeFinancialAccount")
        sub(acc, "cbc:ID", pay.account)
        if pay.branch:
            sub(sub(acc, "cac:FinancialInstitutionBranch"), "cbc:ID", pay.branch)


def _tax_category(parent: etree._Element, tag: str, category: str, rate: Decimal) -> None:
    cat = sub(parent, tag)
    sub(cat, "cbc:ID", category)
    sub(cat, "cbc:Percent", fmt_qty(rate))
    sub(sub(cat, "cac:TaxScheme"), "cbc:ID", "VAT")


def _tax_total(root: etree._Element, doc: DocSpec, t: Totals) -> None:
    cur = doc.currency
    shift = doc.tamper.get("tax", Decimal("0"))
    total = sub(root, "cac:TaxTotal")
    sub(total, "cbc:TaxAmount", fmt_money(t.tax + shift), currencyID=cur)
    for i, g in enumerate(t.vat):
        st = sub(total, "cac:TaxSubtotal")
        sub(st, "cbc:TaxableAmount", fmt_money(g.taxable), currencyID=cur)
        sub(st, "cbc:TaxAmount", fmt_money(g.tax + (shift if i == 0 else 0)), currencyID=cur)
        cat = sub(st, "cac:TaxCategory")
        sub(cat, "cbc:ID", g.category)
        sub(cat, "cbc:Percent", fmt_qty(g.rate))
        if g.category in EXEMPTION:
            sub(cat, "cbc:TaxExemptionReason", EXEMPTION[g.category])
        sub(sub(cat, "cac:TaxScheme"), "cbc:ID", "VAT")


def _monetary_total(root: etree._Element, doc: DocSpec, t: Totals) -> None:
    cur, tamper = doc.currency, doc.tamper
    lmt = sub(root, "cac:LegalMonetaryTotal")
    shift_tax = tamper.get("tax", Decimal("0"))
    sub(
        lmt,
        "cbc:LineExtensionAmount",
        fmt_money(t.line_extension + tamper.get("line_extension", 0)),
        currencyID=cur,
    )
    sub(lmt, "cbc:TaxExclusiveAmount", fmt_money(t.tax_exclusive), currencyID=cur)
    sub(lmt, "cbc:TaxInclusiveAmount", fmt_money(t.tax_inclusive + shift_tax), currencyID=cur)
    if t.allowances:
        sub(lmt, "cbc:AllowanceTotalAmount", fmt_money(t.allowances), currencyID=cur)
    if t.charges:
        sub(lmt, "cbc:ChargeTotalAmount", fmt_money(t.charges), currencyID=cur)
    payable = t.payable + shift_tax + tamper.get("payable", 0)
    sub(lmt, "cbc:PayableAmount", fmt_money(payable), currencyID=cur)
