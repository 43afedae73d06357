"""Render a :class:`~robot.demo.samplegen.documents.DocSpec` as OIOUBL 2.1 XML.

OIOUBL 2.1 differs from Peppol where it matters to the robot: the person reference is the buyer's
``Contact/ID``, ``TaxExclusiveAmount`` holds the VAT amount (F-INV127), lines carry their own
``TaxTotal``, and FIK uses ``PaymentChannelCode`` DK:FIK with ``InstructionID``::

    >>> from robot.demo.samplegen.scenarios import build
    >>> doc = next(e.doc for e in build(2026)[0] if "-oioubl-" in e.file and e.file.endswith(".xml"))
    >>> xml = render(doc)
    >>> b"OIOUBL-2.1" in xml
    True
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from robot.demo.samplegen.documents import DocSpec, fmt_money, fmt_qty, money
from robot.demo.samplegen.parties import SampleCustomer, SampleVendor
from robot.demo.samplegen.xmlutil import document_root, line_head, serialize, sub

PROFILE = "urn:www.nesubl.eu:profiles:profile5:ver2.0"
LIST = {"listAgencyID": "320"}
TAX_CATEGORY = {"S": "StandardRated", "Z": "ZeroRated", "E": "ZeroRated"}
TaxRow = tuple[str, Decimal, Decimal, Decimal]  # category, rate, taxable, tax
CHANNEL = {"31": "IBAN", "42": "DK:BANK", "93": "DK:FIK", "97": "DK:NEMKONTO"}


def render(doc: DocSpec) -> bytes:
    credit = doc.credit_note
    root = document_root(doc)
    cur = doc.currency
    sub(root, "cbc:UBLVersionID", "2.1")
    sub(root, "cbc:CustomizationID", "OIOUBL-2.1")
    sub(root, "cbc:ProfileID", PROFILE, schemeAgencyID="320", schemeID="urn:oioubl:id:profileid-1.2")
    sub(root, "cbc:ID", doc.number)
    sub(root, "cbc:CopyIndicator", "false")
    sub(root, "cbc:UUID", doc.uuid)
    sub(root, "cbc:IssueDate", doc.issue_date.isoformat())
    if not credit:
        sub(root, "cbc:InvoiceTypeCode", "380", listID="urn:oioubl:codelist:invoicetypecode-1.1", **LIST)
    if doc.note:
        sub(root, "cbc:Note", doc.note)
    sub(root, "cbc:DocumentCurrencyCode", cur)
    if doc.accounting_cost:
        sub(root, "cbc:AccountingCost", doc.accounting_cost)
    if credit:
        disc = sub(root, "cac:DiscrepancyResponse")
        sub(disc, "cbc:ReferenceID", "1")
        sub(disc, "cbc:Description", doc.note or "Kreditering")
    if doc.order_ref:
        order = sub(root, "cac:OrderReference")
        sub(order, "cbc:ID", doc.order_ref)
        if doc.order_date:
            sub(order, "cbc:IssueDate", doc.order_date.isoformat())
    if doc.billing_ref:
        ref = sub(sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        sub(ref, "cbc:ID", doc.billing_ref[0])
        sub(ref, "cbc:IssueDate", doc.billing_ref[1].isoformat())
    _supplier(sub(root, "cac:AccountingSupplierParty"), doc.seller)
    _customer(sub(root, "cac:AccountingCustomerParty"), doc.buyer, doc.ean, doc.person_ref)
    sub(sub(root, "cac:Delivery"), "cbc:ActualDeliveryDate", doc.issue_date.isoformat())
    totals = doc.totals()
    shift_tax = doc.tamper.get("tax", Decimal("0"))
    payable = totals.payable + shift_tax + doc.tamper.get("payable", 0)
    _payment(root, doc, payable)
    rows = [(g.category, g.rate, g.taxable, g.tax) for g in totals.vat]
    _tax_total(root, doc.currency, rows, doc.tamper.get("tax", Decimal("0")))
    lmt = sub(root, "cac:LegalMonetaryTotal")
    line_ext = totals.line_extension + doc.tamper.get("line_extension", 0)
    sub(lmt, "cbc:LineExtensionAmount", fmt_money(line_ext), currencyID=cur)
    sub(lmt, "cbc:TaxExclusiveAmount", fmt_money(totals.tax + shift_tax), currencyID=cur)
    sub(lmt, "cbc:TaxInclusiveAmount", fmt_money(totals.tax_inclusive + shift_tax), currencyID=cur)
    sub(lmt, "cbc:PayableAmount", fmt_money(payable), currencyID=cur)
    for ln in doc.lines:
        line = line_head(root, doc, ln)
        tax = money(ln.net * ln.item.rate / 100)
        _tax_total(line, cur, [(ln.item.category, ln.item.rate, ln.net, tax)], Decimal("0"))
        item = sub(line, "cac:Item")
        sub(item, "cbc:Description", ln.item.name)
        sub(item, "cbc:Name", ln.item.name)
        sub(sub(item, "cac:SellersItemIdentification"), "cbc:ID", ln.item.id, schemeID="n/a")
        price = sub(line, "cac:Price")
        sub(price, "cbc:PriceAmount", fmt_money(ln.unit_price), currencyID=cur)
        sub(price, "cbc:BaseQuantity", "1", unitCode=ln.item.unit)
        sub(price, "cbc:OrderableUnitFactorRate", "1")
    return serialize(root)


def _address(party: etree._Element, street: str, city: str, zip_code: str) -> None:
    addr = sub(party, "cac:PostalAddress")
    sub(
        addr,
        "cbc:AddressFormatCode",
        "StructuredDK",
        listID="urn:oioubl:codelist:addressformatcode-1.1",
        **LIST,
    )
    name, _, number = street.rpartition(" ")
    sub(addr, "cbc:StreetName", name)
    sub(addr, "cbc:BuildingNumber", number)
    sub(addr, "cbc:CityName", city)
    sub(addr, "cbc:PostalZone", zip_code)
    sub(sub(addr, "cac:Country"), "cbc:IdentificationCode", "DK")


def _tax_scheme(parent: etree._Element) -> None:
    scheme = sub(parent, "cac:TaxScheme")
    sub(scheme, "cbc:ID", "63", schemeAgencyID="320", schemeID="urn:oioubl:id:taxschemeid-1.1")
    sub(scheme, "cbc:Name", "Moms")


def _supplier(parent: etree._Element, v: SampleVendor) -> None:
    party = sub(parent, "cac:Party")
    sub(party, "cbc:EndpointID", f"DK{v.cvr}", schemeID="DK:CVR")
    sub(sub(party, "cac:PartyIdentification"), "cbc:ID", f"DK{v.cvr}", schemeID="DK:CVR")
    sub(sub(party, "cac:PartyName"), "cbc:Name", v.name)
    _address(party, v.street, v.city, v.zip)
    pts = sub(party, "cac:PartyTaxScheme")
    sub(pts, "cbc:CompanyID", f"DK{v.cvr}", schemeID="DK:SE")
    _tax_scheme(pts)
    legal = sub(party, "cac:PartyLegalEntity")
    sub(legal, "cbc:RegistrationName", v.name)
    sub(legal, "cbc:CompanyID", f"DK{v.cvr}", schemeID="DK:CVR")


def _customer(parent: etree._Element, c: SampleCustomer, ean: str, person: str | None) -> None:
    party = sub(parent, "cac:Party")
    sub(party, "cbc:EndpointID", ean, schemeAgencyID="9", schemeID="GLN")
    sub(sub(party, "cac:PartyIdentification"), "cbc:ID", ean, schemeAgencyID="9", schemeID="GLN")
    sub(sub(party, "cac:PartyName"), "cbc:Name", c.name)
    _address(party, c.street, c.city, c.zip)
    legal = sub(party, "cac:PartyLegalEntity")
    sub(legal, "cbc:RegistrationName", c.name)
    sub(legal, "cbc:CompanyID", f"DK{c.cvr}", schemeID="DK:CVR")
    contact = sub(party, "cac:Contact")
    if person:
        sub(contact, "cbc:ID", person)
    sub(contact, "cbc:Name", "Bogholderiet")
    sub(contact, "cbc:ElectronicMail", f"faktura@{c.id.lower()}.example.dk")


def _payment(root: etree._Element, doc: DocSpec, payable: Decimal) -> None:
    pay = doc.payment
    pm = sub(root, "cac:PaymentMeans")
    sub(pm, "cbc:ID", "1")
    sub(pm, "cbc:PaymentMeansCode", pay.code)
    sub(pm, "cbc:PaymentDueDate", doc.due_date.isoformat())
    sub(
        pm,
        "cbc:PaymentChannelCode",
        CHANNEL[pay.code],
        listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        **LIST,
    )
    if pay.code == "93":
        if pay.fik_id:
            sub(pm, "cbc:InstructionID", pay.fik_id)
        sub(
            pm,
            "cbc:PaymentID",
            pay.fik_kind or "73",
            schemeAgencyID="320",
            schemeID="urn:oioubl:id:paymentid-1.1",
        )
        sub(sub(pm, "cac:CreditAccount"), "cbc:AccountID", pay.account or "")
    elif pay.code in ("31", "42"):
        acc = sub(pm, "cac:PayeeFinancialAccount")
        sub(acc, "cbc:ID", pay.account or "")
        sub(acc, "cbc:PaymentNote", doc.number)
        branch = sub(acc, "cac:FinancialInstitutionBranch")
        if pay.code == "42":
            sub(branch, "cbc:ID", pay.branch or "")
        else:
            sub(sub(branch, "cac:FinancialInstitution"), "cbc:ID", pay.branch or "")
    terms = sub(root, "cac:PaymentTerms")
    sub(terms, "cbc:ID", "1")
    sub(terms, "cbc:PaymentMeansID", "1")
    sub(terms, "cbc:Amount", fmt_money(payable), currencyID=doc.currency)


def _tax_total(parent: etree._Element, cur: str, rows: list[TaxRow], shift: Decimal) -> None:
    total = sub(parent, "cac:TaxTotal")
    sub(total, "cbc:TaxAmount", fmt_money(sum((r[3] for r in rows), Decimal("0")) + shift), currencyID=cur)
    for i, (category, rate, taxable, tax) in enumerate(rows):
        st = sub(total, "cac:TaxSubtotal")
        sub(st, "cbc:TaxableAmount", fmt_money(taxable), currencyID=cur)
        sub(st, "cbc:TaxAmount", fmt_money(tax + (shift if i == 0 else 0)), currencyID=cur)
        cat = sub(st, "cac:TaxCategory")
        sub(
            cat,
            "cbc:ID",
            TAX_CATEGORY[category],
            schemeAgencyID="320",
            schemeID="urn:oioubl:id:taxcategoryid-1.1",
        )
        sub(cat, "cbc:Percent", fmt_qty(rate))
        _tax_scheme(cat)
