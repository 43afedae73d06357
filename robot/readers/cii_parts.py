"""CII (UN/CEFACT CrossIndustryInvoice D16B, EN 16931) building blocks: parties, payment, VAT.

>>> from lxml import etree
>>> el = etree.fromstring(
...     b"<p xmlns:ram='urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100'>"
...     b"<ram:URIUniversalCommunication><ram:URIID schemeID='0088'>5798000416604</ram:URIID>"
...     b"</ram:URIUniversalCommunication></p>")
>>> read_trade_party(Node(el)).endpoint
Identifier(value='5798000416604', scheme='0088')
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from robot.model import (
    Address,
    AllowanceCharge,
    Contact,
    Identifier,
    Party,
    PaymentMeans,
    Period,
    VatBreakdown,
)
from robot.readers import elements
from robot.readers.nodes import Node, Paths, clean, local_name, node_ident, to_basic_date

RSM_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM_NS = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT_NS = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
C = Paths({"rsm": RSM_NS, "ram": RAM_NS, "udt": UDT_NS})
"""Child access for CII documents (prefixes ``rsm``, ``ram``, ``udt``)."""


def cii_date(el: Node | None, path: str, written: str = "udt:DateTimeString") -> date | None:
    """The ``udt:DateTimeString`` (format 102, YYYYMMDD) below ``path`` (``written``: a VAT point
    date is a ``udt:DateString``)."""
    holder = C.first(el, path)
    raw = C.text(holder, written)
    return None if holder is None or raw is None else to_basic_date(raw, local_name(holder.el))


def read_trade_party(el: Node | None) -> Party:
    """A ``ram:*TradeParty`` (seller, buyer, payee)."""
    if el is None:
        return Party()
    legal = C.first(el, "ram:SpecifiedLegalOrganization")
    ids = [i for path in ("ram:ID", "ram:GlobalID") for i in _idents(el, path)]
    return Party(
        name=C.text(el, "ram:Name"),
        trading_name=C.text(legal, "ram:TradingBusinessName"),
        legal_id=C.ident(legal, "ram:ID"),
        vat_id=_tax_registration(el),
        endpoint=C.ident(el, "ram:URIUniversalCommunication/ram:URIID"),
        party_ids=ids,
        address=_address(C.first(el, "ram:PostalTradeAddress")),
        contact=_contact(C.first(el, "ram:DefinedTradeContact")),
    )


def _idents(el: Node, path: str) -> list[Identifier]:
    return [i for found in C.all(el, path) if (i := node_ident(found))]


def party_ids_present(agreement: Node | None) -> frozenset[str]:
    """:func:`robot.readers.ubl_parts.party_ids_present` for CII: ``seller-tax-id`` a seller tax
    registration of scheme VA or FC, ``BT-31`` of VA, ``BT-63`` the tax representative's (VA),
    ``BT-48`` the buyer's (VA), ``BT-47`` the buyer's SpecifiedLegalOrganization/ID; ``BT-30`` the
    seller's, ``BT-29`` a seller ram:ID or ram:GlobalID (BR-CO-26); ``BT-34-1``, ``BT-49-1`` the
    seller's and the buyer's electronic address with a scheme, ``BT-34-group``, ``BT-49-group`` their
    URIUniversalCommunication (BR-62, BR-63)."""
    found: set[str] = set()
    for path, schemes in (
        ("ram:SellerTradeParty", {"VA": ("seller-tax-id", "BT-31"), "FC": ("seller-tax-id",)}),
        ("ram:SellerTaxRepresentativeTradeParty", {"VA": ("BT-63",)}),
        ("ram:BuyerTradeParty", {"VA": ("BT-48",)}),
    ):
        for reg in C.all(C.first(agreement, path), "ram:SpecifiedTaxRegistration"):
            found_id = C.first(reg, "ram:ID")
            if found_id is not None:
                found.update(schemes.get(found_id.get("schemeID") or "", ()))
    for path, key in (("ram:SellerTradeParty", "BT-34"), ("ram:BuyerTradeParty", "BT-49")):
        communication = C.first(agreement, f"{path}/ram:URIUniversalCommunication")
        if communication is not None:
            found.add(f"{key}-group")  # the address's group, where BR-62/BR-63 look (even without URIID)
        endpoint = C.first(communication, "ram:URIID")
        if endpoint is not None and (endpoint.get("schemeID") or "").strip():
            found.add(f"{key}-1")  # the electronic address has a scheme (BR-62, BR-63)
    if C.first(agreement, "ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") is not None:
        found.add("BT-47")
    seller = C.first(agreement, "ram:SellerTradeParty")
    if C.first(seller, "ram:SpecifiedLegalOrganization/ram:ID") is not None:
        found.add("BT-30")
    if C.first(seller, "ram:ID") is not None or C.first(seller, "ram:GlobalID") is not None:
        found.add("BT-29")
    return frozenset(found)


def _tax_registration(el: Node) -> str | None:
    """BT-31 is the SpecifiedTaxRegistration with schemeID ``VA``."""
    regs = C.all(el, "ram:SpecifiedTaxRegistration")
    for reg in regs:
        found = C.first(reg, "ram:ID")
        if found is not None and found.get("schemeID") == "VA":
            return clean(found.text)
    return None


def _address(el: Node | None) -> Address | None:
    if el is None:
        return None
    return Address(street=C.text(el, "ram:LineOne"), **C.text_fields(el, elements.ADDRESS.cii))


def _contact(el: Node | None) -> Contact | None:
    return None if el is None else Contact(**C.text_fields(el, elements.CONTACT.cii))


def read_payment_means(el: Node, payment_id: str | None, mandate: str | None) -> PaymentMeans:
    """One ``ram:SpecifiedTradeSettlementPaymentMeans``; BT-83 and BT-89 live at settlement level."""
    account = C.first(el, "ram:PayeePartyCreditorFinancialAccount")
    code = C.text(el, "ram:TypeCode")
    number = C.text(account, "ram:IBANID") or C.text(account, "ram:ProprietaryID")
    return PaymentMeans(
        code=code,
        present=frozenset(
            name
            for name, there in (
                ("code", C.first(el, "ram:TypeCode") is not None),
                ("account-group", account is not None),
                ("account", C.first(account, "ram:IBANID") or C.first(account, "ram:ProprietaryID")),
            )
            if there
        ),
        payment_id=payment_id,
        account=number,
        account_name=C.text(account, "ram:AccountName"),
        branch=C.text(el, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        creditor_account=number if code == "93" else None,
        mandate=mandate,
        debited_account=C.text(el, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
    )


def read_allowance_charge(el: Node) -> AllowanceCharge:
    """A ``ram:SpecifiedTradeAllowanceCharge`` (document or line)."""
    return elements.allowance_charge(C, el, elements.ALLOWANCE_CHARGE.cii)


def read_trade_tax(el: Node, currency: str | None) -> VatBreakdown:
    """A header ``ram:ApplicableTradeTax`` (BG-23)."""
    date_code = C.text(el, "ram:DueDateTypeCode")
    return elements.vat_breakdown(C, el, elements.VAT_BREAKDOWN.cii, currency, date_code)


def read_period(el: Node | None) -> Period | None:
    """A ``ram:BillingSpecifiedPeriod`` (BG-14 of the document, BG-26 of a line); None when there is none."""
    if el is None:
        return None
    return Period(
        start=cii_date(el, "ram:StartDateTime"),
        end=cii_date(el, "ram:EndDateTime"),
        written=frozenset(
            name
            for name, path in (("start", "ram:StartDateTime"), ("end", "ram:EndDateTime"))
            if C.first(el, path) is not None
        ),
    )


_REGISTRATION = f"{{{RAM_NS}}}SpecifiedTaxRegistration"
_ID = f"{{{RAM_NS}}}ID"
_OBJECT = f"{{{RAM_NS}}}AttachmentBinaryObject"
_SUPPORTING = f"{{{RAM_NS}}}AdditionalReferencedDocument"


class Written(NamedTuple):
    """What the official rules read off the whole CII document as written, from one walk."""

    vat_ids: tuple[str, ...]  # every SpecifiedTaxRegistration/ID of scheme VA (BR-CO-09)
    mime_codes: tuple[str, ...]  # every AttachmentBinaryObject's mimeCode (BT-125-1)
    unreferenced: bool  # an AdditionalReferencedDocument without IssuerAssignedID, anywhere (BR-52)


def walk(root: Node) -> Written:
    vat: list[str] = []
    mimes: list[str] = []
    unreferenced = False
    for el in root.el.iter(_REGISTRATION, _OBJECT, _SUPPORTING):
        if el.tag == _REGISTRATION:
            vat.extend(ident.text or "" for ident in el.iterchildren(_ID) if ident.get("schemeID") == "VA")
        elif el.tag == _OBJECT:
            if (code := el.get("mimeCode")) is not None:
                mimes.append(str(code))
        else:
            unreferenced = unreferenced or not C.text(Node(el), "ram:IssuerAssignedID")
    return Written(tuple(vat), tuple(mimes), unreferenced)
