"""Where the plain fields of a model record sit in UBL and in CII, side by side in one table each.

A reader builds the record from its syntax's column (:meth:`robot.readers.nodes.Paths.text_fields`),
or with the record's one builder here (:func:`allowance_charge`, :func:`vat_breakdown`), so a field
added to a record is added for both syntaxes in one place. Fields that need more than one element's
text (UBL's street and building number) stay in the readers::

    >>> CONTACT.ubl["phone"], CONTACT.cii["phone"]
    ('cbc:Telephone', 'ram:TelephoneUniversalCommunication/ram:CompleteNumber')
"""

from __future__ import annotations

from collections.abc import Mapping

from robot.model import AllowanceCharge, Classification, VatBreakdown
from robot.readers.nodes import Node, Paths


class Terms:
    """Model fields by name, each with its path in UBL and in CII (relative to the aggregate)."""

    __slots__ = ("cii", "ubl")

    def __init__(self, **fields: tuple[str, str]) -> None:
        self.ubl = {name: ubl for name, (ubl, _) in fields.items()}
        self.cii = {name: cii for name, (_, cii) in fields.items()}


#: Elements the official rules test for presence, whatever their content (``Invoice.present``): the
#: document totals, the buyer reference and order number, the seller (its UBL AccountingSupplierParty)
#: and the buyer party and its electronic address.
#: Paths from the root.
PRESENCE = Terms(
    **{
        "BG-22": (
            "cac:LegalMonetaryTotal",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
            "ram:SpecifiedTradeSettlementHeaderMonetarySummation",
        ),
        "BT-10": (
            "cbc:BuyerReference",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference",
        ),
        "BT-13": (
            "cac:OrderReference/cbc:ID",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
            "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
        ),
        "BT-6": (
            "cbc:TaxCurrencyCode",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:TaxCurrencyCode",
        ),
        "BT-23": (
            "cbc:ProfileID",
            "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
        ),
        "seller-party": (
            "cac:AccountingSupplierParty/cac:Party",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty",
        ),
        "BT-34": (
            "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/"
            "ram:URIUniversalCommunication/ram:URIID",
        ),
        "BG-4": (
            "cac:AccountingSupplierParty",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty",
        ),
        "BG-7": (
            "cac:AccountingCustomerParty/cac:Party",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty",
        ),
        "BT-49": (
            "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/"
            "ram:URIUniversalCommunication/ram:URIID",
        ),
    }
)


def present(paths: Paths, root: Node, where: Mapping[str, str]) -> frozenset[str]:
    """The ids of :data:`PRESENCE` whose element the document has (even empty)."""
    return frozenset(name for name, path in where.items() if paths.first(root, path) is not None)


#: BG-6/BG-9 contact: ``cac:Contact`` / ``ram:DefinedTradeContact``.
CONTACT = Terms(
    id=("cbc:ID", "ram:ID"),
    name=("cbc:Name", "ram:PersonName"),
    phone=("cbc:Telephone", "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
    email=("cbc:ElectronicMail", "ram:EmailURIUniversalCommunication/ram:URIID"),
)

#: BG-5/BG-8 postal address but the first street line: ``cac:PostalAddress`` / ``ram:PostalTradeAddress``.
ADDRESS = Terms(
    additional_street=("cbc:AdditionalStreetName", "ram:LineTwo"),
    city=("cbc:CityName", "ram:CityName"),
    postal_code=("cbc:PostalZone", "ram:PostcodeCode"),
    country=("cac:Country/cbc:IdentificationCode", "ram:CountryID"),
)

#: BG-20/BG-21 (and a line's BG-27/BG-28): ``cac:AllowanceCharge`` / ``ram:SpecifiedTradeAllowanceCharge``.
ALLOWANCE_CHARGE = Terms(
    is_charge=("cbc:ChargeIndicator", "ram:ChargeIndicator/udt:Indicator"),
    amount=("cbc:Amount", "ram:ActualAmount"),
    base_amount=("cbc:BaseAmount", "ram:BasisAmount"),
    percent=("cbc:MultiplierFactorNumeric", "ram:CalculationPercent"),
    reason=("cbc:AllowanceChargeReason", "ram:Reason"),
    reason_code=("cbc:AllowanceChargeReasonCode", "ram:ReasonCode"),
    vat_category=("cac:TaxCategory/cbc:ID", "ram:CategoryTradeTax/ram:CategoryCode"),
    vat_rate=("cac:TaxCategory/cbc:Percent", "ram:CategoryTradeTax/ram:RateApplicablePercent"),
)

#: BG-23 VAT breakdown: ``cac:TaxSubtotal`` / a header ``ram:ApplicableTradeTax``.
VAT_BREAKDOWN = Terms(
    category=("cac:TaxCategory/cbc:ID", "ram:CategoryCode"),
    rate=("cac:TaxCategory/cbc:Percent", "ram:RateApplicablePercent"),
    taxable_amount=("cbc:TaxableAmount", "ram:BasisAmount"),
    tax_amount=("cbc:TaxAmount", "ram:CalculatedAmount"),
    exemption_reason=("cac:TaxCategory/cbc:TaxExemptionReason", "ram:ExemptionReason"),
    exemption_reason_code=("cac:TaxCategory/cbc:TaxExemptionReasonCode", "ram:ExemptionReasonCode"),
)

_CONTEXT = "rsm:ExchangedDocumentContext"
_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"

#: The document's texts below the root (``Invoice``/``CreditNote``, ``rsm:CrossIndustryInvoice``)
#: that are read the same way in both syntaxes.
INVOICE = Terms(
    number=("cbc:ID", "rsm:ExchangedDocument/ram:ID"),
    customization_id=(
        "cbc:CustomizationID",
        f"{_CONTEXT}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    ),
    profile_id=("cbc:ProfileID", f"{_CONTEXT}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
    tax_currency=("cbc:TaxCurrencyCode", f"{_SETTLEMENT}/ram:TaxCurrencyCode"),
    buyer_reference=("cbc:BuyerReference", f"{_AGREEMENT}/ram:BuyerReference"),
    order_reference=(
        "cac:OrderReference/cbc:ID",
        f"{_AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
    ),
    sales_order_reference=(
        "cac:OrderReference/cbc:SalesOrderID",
        f"{_AGREEMENT}/ram:SellerOrderReferencedDocument/ram:IssuerAssignedID",
    ),
    contract_reference=(
        "cac:ContractDocumentReference/cbc:ID",
        f"{_AGREEMENT}/ram:ContractReferencedDocument/ram:IssuerAssignedID",
    ),
    project_reference=("cac:ProjectReference/cbc:ID", f"{_AGREEMENT}/ram:SpecifiedProcuringProject/ram:ID"),
    accounting_cost=(
        "cbc:AccountingCost",
        f"{_SETTLEMENT}/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID",
    ),
)

#: BG-25 invoice line, its texts: below ``cac:InvoiceLine``/``cac:CreditNoteLine`` and
#: ``ram:IncludedSupplyChainTradeLineItem`` (its amounts and ids stay in the readers).
LINE = Terms(
    id=("cbc:ID", "ram:AssociatedDocumentLineDocument/ram:LineID"),
    item_name=("cac:Item/cbc:Name", "ram:SpecifiedTradeProduct/ram:Name"),
    item_description=("cac:Item/cbc:Description", "ram:SpecifiedTradeProduct/ram:Description"),
    seller_item_id=(
        "cac:Item/cac:SellersItemIdentification/cbc:ID",
        "ram:SpecifiedTradeProduct/ram:SellerAssignedID",
    ),
    vat_category=(
        "cac:Item/cac:ClassifiedTaxCategory/cbc:ID",
        "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
    ),
    accounting_cost=(
        "cbc:AccountingCost",
        "ram:SpecifiedLineTradeSettlement/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID",
    ),
    order_line_reference=(
        "cac:OrderLineReference/cbc:LineID",
        "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID",
    ),
    note=("cbc:Note", "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
)

#: BT-158 item classifications: each group below the item, and its code element.
CLASSIFICATION = Terms(
    group=("cac:CommodityClassification", "ram:DesignatedProductClassification"),
    code=("cbc:ItemClassificationCode", "ram:ClassCode"),
)


def classifications(paths: Paths, item: Node | None, at: Mapping[str, str]) -> list[Classification]:
    """An item's classification codes (BT-158) with their list and version, read with one syntax's
    column of :data:`CLASSIFICATION`; a group without a code is skipped."""
    return [
        Classification((c.text or "").strip(), c.get("listID"), c.get("listVersionID"))
        for group in paths.all(item, at["group"])
        if (c := paths.first(group, at["code"])) is not None
    ]


def allowance_charge(paths: Paths, el: Node, at: Mapping[str, str]) -> AllowanceCharge:
    """An allowance or charge read with one syntax's column of :data:`ALLOWANCE_CHARGE`."""
    return AllowanceCharge(
        is_charge=(paths.text(el, at["is_charge"]) or "").lower() in ("true", "1"),
        amount=paths.dec(el, at["amount"]),
        base_amount=paths.dec(el, at["base_amount"]),
        percent=paths.dec(el, at["percent"]),
        reason=paths.text(el, at["reason"]),
        reason_code=paths.text(el, at["reason_code"]),
        vat_category=paths.text(el, at["vat_category"]),
        vat_rate=paths.dec(el, at["vat_rate"]),
        present=_ac_present(paths, el, at),
    )


_AC_PRESENCE = ("amount", "reason", "reason_code", "vat_category")
#: the ChargeIndicator values that make an allowance or a charge of it, officially: UBL compares it
#: as a boolean (``true``, ``false``, ``1``, ``0``), CII as the text ``true`` or ``false``
_INDICATORS = {"ubl": frozenset({"true", "false", "1", "0"}), "cii": frozenset({"true", "false"})}


def _ac_present(paths: Paths, el: Node, at: Mapping[str, str]) -> frozenset[str]:
    """Which of an allowance's or charge's fields the document has (``is_charge``: a ChargeIndicator
    the official rules take as one)."""
    present = {name for name in _AC_PRESENCE if paths.first(el, at[name]) is not None}
    indicator = paths.first(el, at["is_charge"])
    raw = None if indicator is None else (indicator.el.text or "")
    syntax = "cii" if at is ALLOWANCE_CHARGE.cii else "ubl"
    if raw is not None and (raw if syntax == "cii" else raw.strip()) in _INDICATORS[syntax]:
        present.add("is_charge")
    if raw in ("true", "false"):
        present.add("is_charge:exact")  # the very word, as Peppol's code lists select (CL002, CL003)
    if raw is not None and " ".join(raw.split()) in ("true", "false"):
        present.add("is_charge:text")  # written as the word (PEPPOL-EN16931-R043)
    return frozenset(present)


def vat_breakdown(
    paths: Paths, el: Node, at: Mapping[str, str], currency: str | None, date_code: str | None = None
) -> VatBreakdown:
    """A VAT breakdown read with one syntax's column of :data:`VAT_BREAKDOWN`."""
    return VatBreakdown(
        date_code=date_code,
        category=paths.text(el, at["category"]),
        rate=paths.dec(el, at["rate"]),
        taxable_amount=paths.dec(el, at["taxable_amount"]),
        tax_amount=paths.dec(el, at["tax_amount"]),
        exemption_reason=paths.text(el, at["exemption_reason"]),
        exemption_reason_code=paths.text(el, at["exemption_reason_code"]),
        currency=currency,
    )
