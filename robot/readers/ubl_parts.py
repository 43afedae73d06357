"""UBL 2.x building blocks shared by Peppol BIS 3, EN 16931 UBL, OIOUBL 3 and OIOUBL 2.x.

Parties, payment means, allowances/charges and VAT breakdown, each from its UBL aggregate.

    >>> from lxml import etree
    >>> el = etree.fromstring(
    ...     b"<p xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'>"
    ...     b"<cbc:EndpointID schemeID='0088'>5798000416604</cbc:EndpointID></p>")
    >>> read_party(Node(el)).endpoint
    Identifier(value='5798000416604', scheme='0088')
"""

from __future__ import annotations

from robot.model import (
    Address,
    AllowanceCharge,
    Contact,
    Party,
    PaymentMeans,
    Period,
    VatBreakdown,
)
from robot.readers import elements
from robot.readers.nodes import Node, Paths

CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
U = Paths({"cbc": CBC_NS, "cac": CAC_NS})
"""Child access for UBL documents (prefixes ``cbc`` and ``cac``)."""


def read_party(party: Node | None) -> Party:
    """A ``cac:Party``: name is the legal registration name, else the first party name."""
    if party is None:
        return Party()
    trading_name = U.text(party, "cac:PartyName/cbc:Name")
    legal = U.first(party, "cac:PartyLegalEntity")
    return Party(
        name=U.text(legal, "cbc:RegistrationName") or trading_name,
        trading_name=trading_name,
        legal_id=U.ident(legal, "cbc:CompanyID"),
        vat_id=_vat_id(party),
        endpoint=U.ident(party, "cbc:EndpointID"),
        party_ids=[i for el in U.all(party, "cac:PartyIdentification") if (i := U.ident(el, "cbc:ID"))],
        address=read_address(U.first(party, "cac:PostalAddress")),
        contact=_contact(U.first(party, "cac:Contact")),
    )


def party_ids_present(root: Node) -> frozenset[str]:
    """Which VAT and tax identifiers the document has (``Invoice.present``; the official VAT category
    rules BR-x-02..04 test the elements): ``seller-tax-id`` a seller PartyTaxScheme/CompanyID of any
    scheme, ``BT-31`` one of the VAT scheme, ``BT-63`` the tax representative's VAT identifier,
    ``BT-48`` the buyer's, ``BT-47`` the buyer's PartyLegalEntity/CompanyID; ``BT-30`` the seller's
    PartyLegalEntity/CompanyID, ``BT-29`` a seller PartyIdentification/ID not of scheme SEPA (BR-CO-26);
    ``BT-34-1`` and ``BT-49-1`` the seller's and the buyer's EndpointID with a schemeID (BR-62, BR-63)."""
    found: set[str] = set()
    seller = U.first(root, "cac:AccountingSupplierParty/cac:Party")
    buyer = U.first(root, "cac:AccountingCustomerParty/cac:Party")
    for party, any_key, vat_key in (
        (seller, "seller-tax-id", "BT-31"),
        (U.first(root, "cac:TaxRepresentativeParty"), None, "BT-63"),
        (buyer, None, "BT-48"),
    ):
        for scheme in U.all(party, "cac:PartyTaxScheme"):
            if U.first(scheme, "cbc:CompanyID") is None:
                continue
            if any_key:
                found.add(any_key)
            if (U.text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
                found.add(vat_key)
    for party, key in ((seller, "BT-34-1"), (buyer, "BT-49-1")):
        endpoint = U.first(party, "cbc:EndpointID")
        if endpoint is not None and endpoint.get("schemeID") is not None:
            found.add(key)  # the electronic address has a scheme attribute (BR-62, BR-63)
    if U.first(buyer, "cac:PartyLegalEntity/cbc:CompanyID") is not None:
        found.add("BT-47")
    if U.first(seller, "cac:PartyLegalEntity/cbc:CompanyID") is not None:
        found.add("BT-30")
    for ident in U.all(seller, "cac:PartyIdentification"):
        first = U.first(ident, "cbc:ID")
        if first is not None and first.get("schemeID") != "SEPA":
            found.add("BT-29")
    return frozenset(found)


def _vat_id(party: Node) -> str | None:
    """PartyTaxScheme/CompanyID, preferring the scheme whose TaxScheme/ID is VAT."""
    schemes = U.all(party, "cac:PartyTaxScheme")
    for scheme in schemes:
        if U.text(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
            return U.text(scheme, "cbc:CompanyID")
    return next((v for s in schemes if (v := U.text(s, "cbc:CompanyID"))), None)


def read_address(el: Node | None) -> Address | None:
    """A postal address; OIOUBL's separate BuildingNumber is appended to the street."""
    if el is None:
        return None
    street = U.text(el, "cbc:StreetName")
    building = U.text(el, "cbc:BuildingNumber")
    if street and building:
        street = f"{street} {building}"
    return Address(street=street, **U.text_fields(el, elements.ADDRESS.ubl))


def _contact(el: Node | None) -> Contact | None:
    return None if el is None else Contact(**U.text_fields(el, elements.CONTACT.ubl))


def read_optional_party(el: Node | None) -> Party | None:
    """BG-10 ``cac:PayeeParty`` or BG-11 ``cac:TaxRepresentativeParty`` (None when the document has none)."""
    return None if el is None else read_party(el)


def read_payment_means(el: Node) -> PaymentMeans:
    """One ``cac:PaymentMeans``, Peppol and OIOUBL fields alike.

    For FIK (code 93) Peppol puts the creditor number in PayeeFinancialAccount/ID; OIOUBL in
    CreditAccount/AccountID. ``creditor_account`` holds it either way.
    """
    account_el = U.first(el, "cac:PayeeFinancialAccount")
    code = U.text(el, "cbc:PaymentMeansCode")
    account = U.text(account_el, "cbc:ID")
    creditor = U.text(el, "cac:CreditAccount/cbc:AccountID")
    if creditor is None and code == "93":
        creditor = account
    mandate = U.first(el, "cac:PaymentMandate")
    return PaymentMeans(
        code=code,
        present=frozenset(
            name
            for name, path in (
                ("code", "cbc:PaymentMeansCode"),
                ("mandate", "cac:PaymentMandate/cbc:ID"),
                ("account-group", "cac:PayeeFinancialAccount"),
                ("account", "cac:PayeeFinancialAccount/cbc:ID"),
            )
            if U.first(el, path) is not None
        ),
        payment_id=U.text(el, "cbc:PaymentID"),
        channel=U.text(el, "cbc:PaymentChannelCode"),
        instruction_id=U.text(el, "cbc:InstructionID"),
        account=account,
        account_name=U.text(account_el, "cbc:Name"),
        branch=U.text(account_el, "cac:FinancialInstitutionBranch/cbc:ID"),
        creditor_account=creditor,
        mandate=U.text(mandate, "cbc:ID"),
        debited_account=U.text(mandate, "cac:PayerFinancialAccount/cbc:ID"),
        due_date=U.iso_date(el, "cbc:PaymentDueDate"),
    )


def read_allowance_charge(el: Node) -> AllowanceCharge:
    """A document or line ``cac:AllowanceCharge``."""
    return elements.allowance_charge(U, el, elements.ALLOWANCE_CHARGE.ubl)


def read_tax_subtotal(el: Node) -> VatBreakdown:
    """A ``cac:TaxSubtotal`` (BG-23)."""
    tax = U.first(el, "cbc:TaxAmount")
    currency = None if tax is None else tax.get("currencyID")
    return elements.vat_breakdown(U, el, elements.VAT_BREAKDOWN.ubl, currency)


_PERIOD = (("start", "cbc:StartDate"), ("end", "cbc:EndDate"), ("description_code", "cbc:DescriptionCode"))


def read_period(el: Node | None) -> Period | None:
    """A ``cac:InvoicePeriod`` (BG-14 of the document, BG-26 of a line); None when there is none."""
    if el is None:
        return None
    return Period(
        start=U.iso_date(el, "cbc:StartDate"),
        end=U.iso_date(el, "cbc:EndDate"),
        description_code=U.text(el, "cbc:DescriptionCode"),
        written=frozenset(name for name, path in _PERIOD if U.first(el, path) is not None),
    )


def price_indicators(price: Node | None) -> tuple[str, ...]:
    """Each ``cac:Price/cac:AllowanceCharge``'s ChargeIndicator as written, ``""`` for none."""
    found = []
    for ac in U.all(price, "cac:AllowanceCharge"):
        indicator = U.first(ac, "cbc:ChargeIndicator")
        found.append("" if indicator is None else indicator.el.text or "")
    return tuple(found)
