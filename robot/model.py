"""The canonical invoice, after the EN 16931 semantic model.

Every reader produces an :class:`Invoice`; nothing downstream knows the source syntax.
Field comments carry the EN 16931 business term (BT/BG) id. Money is :class:`~decimal.Decimal`.
A field the document does not carry is ``None`` (or an empty list): a gap for the rules to report,
never a read failure.

    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="INV-1")
    >>> inv.totals.payable is None
    True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from robot.codes import SourceFormat as SourceFormat  # with the other code lists, re-exported here


class DocumentType(enum.StrEnum):
    """Invoice or credit note (BT-3 type code is kept separately)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(slots=True)
class Identifier:
    """An identifier with an optional scheme, e.g. ``5798000416604`` / ``0088`` (GLN)."""

    value: str
    scheme: str | None = None


@dataclass(slots=True)
class Address:
    """BG-5 / BG-8 postal address."""

    street: str | None = None  # BT-35 / BT-50
    additional_street: str | None = None  # BT-36 / BT-51
    city: str | None = None  # BT-37 / BT-52
    postal_code: str | None = None  # BT-38 / BT-53
    country: str | None = None  # BT-40 / BT-55 (ISO 3166-1 alpha-2)


@dataclass(slots=True)
class Contact:
    """BG-6 / BG-9 contact. ``id`` is the OIOUBL 2.x person reference (Contact/ID)."""

    id: str | None = None
    name: str | None = None  # BT-41 / BT-56
    phone: str | None = None  # BT-42 / BT-57
    email: str | None = None  # BT-43 / BT-58


@dataclass(slots=True)
class Party:
    """Seller (BG-4), buyer (BG-7) or payee (BG-10)."""

    name: str | None = None  # BT-27 / BT-44 / BT-59 (legal registration name)
    trading_name: str | None = None  # BT-28 / BT-45
    legal_id: Identifier | None = None  # BT-30 / BT-47 / BT-61 (e.g. CVR, scheme 0184 or DK:CVR)
    vat_id: str | None = None  # BT-31 / BT-48
    endpoint: Identifier | None = None  # BT-34 / BT-49 electronic address (e.g. GLN, scheme 0088)
    party_ids: list[Identifier] = field(default_factory=list)  # BT-29 / BT-46
    address: Address | None = None
    contact: Contact | None = None


@dataclass(slots=True)
class PaymentMeans:
    """BG-16 payment instructions (one per PaymentMeans element)."""

    code: str | None = None  # BT-81 (UNCL4461: 31, 42, 49, 50, 93, 97, ...)
    payment_id: str | None = None  # BT-83 remittance information (FIK: ``71#...``)
    channel: str | None = None  # OIOUBL PaymentChannelCode (DK:BANK, DK:FIK, ...)
    instruction_id: str | None = None  # OIOUBL InstructionID (FIK payment id)
    account: str | None = None  # BT-84 payee account (IBAN or domestic account number)
    account_name: str | None = None  # BT-85
    branch: str | None = None  # BT-86 service provider id (BIC or Danish reg. no.)
    creditor_account: str | None = None  # FIK creditor number (CreditAccount/AccountID)
    mandate: str | None = None  # BT-89 mandate reference (direct debit)
    debited_account: str | None = None  # BT-91 debited account (direct debit)
    due_date: date | None = None  # OIOUBL PaymentDueDate
    #: the fields whose element the document has, even empty (``code``, ``mandate``, ``account``, and
    #: ``account-group`` for the credit transfer's account group, BG-17); None when not read from XML
    present: frozenset[str] | None = None


@dataclass(slots=True)
class AllowanceCharge:
    """BG-20/BG-21 (document) or BG-27/BG-28 (line) allowance or charge."""

    is_charge: bool
    amount: Decimal | None = None  # BT-92 / BT-99 / BT-136 / BT-141
    base_amount: Decimal | None = None  # BT-93 / BT-100
    percent: Decimal | None = None  # BT-94 / BT-101
    reason: str | None = None  # BT-97 / BT-104
    reason_code: str | None = None  # BT-98 / BT-105
    vat_category: str | None = None  # BT-95 / BT-102
    vat_rate: Decimal | None = None  # BT-96 / BT-103
    #: the fields whose element the document has, even empty (``is_charge`` for the ChargeIndicator,
    #: ``amount``, ``reason``, ``reason_code``, ``vat_category``); None when not read from XML
    present: frozenset[str] | None = None


@dataclass(slots=True)
class VatBreakdown:
    """BG-23 VAT breakdown (one per category and rate)."""

    category: str | None = None  # BT-118 (S, Z, E, AE, K, G, O, L, M)
    rate: Decimal | None = None  # BT-119
    taxable_amount: Decimal | None = None  # BT-116
    tax_amount: Decimal | None = None  # BT-117
    exemption_reason: str | None = None  # BT-120
    exemption_reason_code: str | None = None  # BT-121
    currency: str | None = None
    date_code: str | None = None  # BT-8 as CII writes it (ram:DueDateTypeCode); UBL: Invoice.period


@dataclass(frozen=True, slots=True)
class TaxTotal:
    """One UBL ``cac:TaxTotal`` as written: the official rules judge each on its own (BR-CO-14,
    PEPPOL-EN16931-R053..R055), whatever currency it is in."""

    amount: Decimal | None  # its TaxAmount
    currency: str | None  # its TaxAmount's currencyID
    parts: tuple[Decimal, ...]  # the TaxAmount of each of its TaxSubtotals
    breakdown: bool  # it has a cac:TaxSubtotal


@dataclass(slots=True)
class Totals:
    """BG-22 document totals.

    ``tax_exclusive`` is the EN 16931 net amount (BT-109) for every syntax: for OIOUBL 2.x, whose
    ``TaxExclusiveAmount`` holds the VAT amount, the reader stores the raw element in
    ``oioubl_tax_exclusive_element`` and puts the net amount here.
    """

    line_extension: Decimal | None = None  # BT-106
    allowances: Decimal | None = None  # BT-107
    charges: Decimal | None = None  # BT-108
    tax_exclusive: Decimal | None = None  # BT-109
    tax: Decimal | None = None  # BT-110 (in document currency)
    tax_accounting: Decimal | None = None  # BT-111 (VAT in accounting currency)
    tax_inclusive: Decimal | None = None  # BT-112
    prepaid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114
    payable: Decimal | None = None  # BT-115
    oioubl_tax_exclusive_element: Decimal | None = None  # OIOUBL 2.x raw TaxExclusiveAmount (= VAT)


@dataclass(slots=True)
class Classification:
    """BT-158 item classification identifier, e.g. UNSPSC: listID ``TST``, version ``19.05.01``."""

    code: str
    list_id: str | None = None  # BT-158-1 (UNTDID 7143: TST = UNSPSC, HS, CV, ...)
    list_version: str | None = None  # BT-158-2


@dataclass(frozen=True, slots=True)
class Period:
    """BG-14 invoicing period (document) or BG-26 line period; read from XML it exists when the
    document has the period element, even empty (the official rules judge such a period)."""

    start: date | None = None  # BT-73 / BT-134
    end: date | None = None  # BT-74 / BT-135
    description_code: str | None = None  # BT-8 (UBL cbc:DescriptionCode; the VAT point date code)
    #: which of start, end and description_code the element has, even empty (read from XML)
    written: frozenset[str] = frozenset()


@dataclass(slots=True)
class Line:
    """BG-25 invoice line."""

    id: str | None = None  # BT-126
    quantity: Decimal | None = None  # BT-129
    unit: str | None = None  # BT-130 (UN/ECE rec 20)
    net_amount: Decimal | None = None  # BT-131
    price: Decimal | None = None  # BT-146 item net price
    gross_price: Decimal | None = None  # BT-148
    price_discount: Decimal | None = None  # BT-147
    base_quantity: Decimal | None = None  # BT-149
    item_name: str | None = None  # BT-153
    item_description: str | None = None  # BT-154
    seller_item_id: str | None = None  # BT-155
    standard_item_id: Identifier | None = None  # BT-157
    classifications: list[Classification] = field(default_factory=list)  # BT-158
    vat_category: str | None = None  # BT-151
    vat_rate: Decimal | None = None  # BT-152
    accounting_cost: str | None = None  # BT-133
    order_line_reference: str | None = None  # BT-132
    note: str | None = None  # BT-127
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)
    oioubl_line_tax: Decimal | None = None  # OIOUBL 2.x line TaxTotal/TaxAmount (not in EN 16931)
    free_of_charge: bool = False  # UBL FreeOfChargeIndicator (OIOUBL 2.x totals leave such lines out)
    base_quantity_unit: str | None = None  # unit code of BT-149 (UBL BaseQuantity, CII BasisQuantity)
    oioubl_orderable_unit_factor_rate: Decimal | None = None  # OIOUBL 2.x Price/OrderableUnitFactorRate
    period: Period | None = None  # BG-26
    #: UBL: each price allowance's ChargeIndicator as written ("" when it has none), for
    #: PEPPOL-EN16931-R044 (a price may carry only an allowance)
    price_indicators: tuple[str, ...] = ()
    #: UBL: each cac:DocumentReference's DocumentTypeCode as written (None: it has none), for
    #: PEPPOL-EN16931-R100/R101 (BT-128, the invoiced object, is the one of type 130)
    object_types: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a value read from a printed PDF came from: the text it was read from, and how sure.

    ``field`` is the model's field path (``number``, ``issue_date``, ``totals.payable``,
    ``seller.vat_id``, ...), ``value`` the value as read, ``text`` the printed text it came from
    (a line or label with its value), ``confidence`` between 0 and 1.
    """

    field: str
    value: str
    text: str
    confidence: float
    page: int | None = None


@dataclass(slots=True)
class Invoice:
    """BG-0: one invoice or credit note, whatever syntax it arrived in."""

    format: SourceFormat  # the syntax it was read from (a plain code string is converted)
    document_type: DocumentType
    number: str | None = None  # BT-1
    customization_id: str | None = None  # BT-24
    profile_id: str | None = None  # BT-23
    type_code: str | None = None  # BT-3 (380, 381, 325, ...)
    issue_date: date | None = None  # BT-2
    due_date: date | None = None  # BT-9
    tax_point_date: date | None = None  # BT-7
    currency: str | None = None  # BT-5
    tax_currency: str | None = None  # BT-6
    buyer_reference: str | None = None  # BT-10 (Danish person reference in Peppol/OIOUBL 3)
    order_reference: str | None = None  # BT-13
    sales_order_reference: str | None = None  # BT-14
    contract_reference: str | None = None  # BT-12
    project_reference: str | None = None  # BT-11
    accounting_cost: str | None = None  # BT-19 (account string)
    notes: list[str] = field(default_factory=list)  # BT-22
    preceding_invoices: list[str] = field(default_factory=list)  # BT-25
    seller: Party = field(default_factory=Party)  # BG-4
    buyer: Party = field(default_factory=Party)  # BG-7
    payee: Party | None = None  # BG-10
    tax_representative: Party | None = None  # BG-11 (the seller's tax representative)
    delivery_date: date | None = None  # BT-72
    period: Period | None = None  # BG-14 (UBL: the first cac:InvoicePeriod)
    payment_means: list[PaymentMeans] = field(default_factory=list)  # BG-16
    payment_terms: str | None = None  # BT-20
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)  # BG-20 / BG-21
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)  # BG-23
    totals: Totals = field(default_factory=Totals)  # BG-22
    lines: list[Line] = field(default_factory=list)  # BG-25
    template: str | None = None  # the PDF template that read it (format ``pdf-text``), else None
    ocr: bool = False  # its text was recognised from page images (OCR), not taken from a text layer
    evidence: list[Evidence] = field(default_factory=list)  # printed PDFs: where each value came from
    #: elements the document has even when empty, by BT/BG id (robot.readers.elements.PRESENCE): the
    #: official rules test an element's presence, the fields keep only its value; None when not read
    #: from XML (a printed PDF, an invoice made in code): rules then go by the values
    present: frozenset[str] | None = None
    #: every identifier whose scheme has a Peppol checksum rule, wherever it stands in the document:
    #: (element name: EndpointID, ID of a PartyIdentification or CompanyID; schemeID; the text as
    #: written); None when not read from UBL
    scheme_ids: tuple[tuple[str, str, str], ...] | None = None
    #: the currencyIDs written on the amounts (UBL), each with where it stands, as the official rules
    #: tell the amounts apart: "" an amount other than a TaxAmount, "subtotal" a VAT breakdown's
    #: TaxAmount, "total" the TaxAmount of a TaxTotal with a breakdown, "other" any other TaxAmount
    #: (the VAT total in the accounting currency, BT-111); the currencyID None when the amount has
    #: none. None when not read from UBL.
    amount_currencies: frozenset[tuple[str, str | None]] | None = None
    #: every UBL cac:TaxTotal as written (the model's BT-110/BT-111 and breakdown add them up);
    #: None when not read from UBL
    tax_totals: tuple[TaxTotal, ...] | None = None
    #: CII: every ram:TaxTotalAmount as written (currencyID, value) and the TaxCurrencyCode as written,
    #: for BR-DEC-13/15; None when not read from CII
    cii_tax_amounts: tuple[tuple[str | None, Decimal | None], ...] | None = None
    #: every VAT identifier as written, whichever party it belongs to (UBL: the CompanyID of each
    #: PartyTaxScheme of the VAT scheme; CII: each SpecifiedTaxRegistration/ID of scheme VA), for
    #: BR-CO-09; None when not read from XML
    vat_ids: tuple[str, ...] | None = None
    #: the mimeCode of every attached object as written (UBL EmbeddedDocumentBinaryObject, CII
    #: AttachmentBinaryObject; BT-125-1), for BR-CL-24/CL001; the attachments themselves are not kept
    mime_codes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        self.format = SourceFormat.of(self.format)  # a made-up format is refused, never stored

    @property
    def person_reference(self) -> str | None:
        """The Danish person reference: BT-10, or OIOUBL 2.x buyer Contact/ID."""
        if self.buyer_reference:
            return self.buyer_reference
        contact = self.buyer.contact
        return contact.id if contact and contact.id else None

    @property
    def is_credit_note(self) -> bool:
        return self.document_type is DocumentType.CREDIT_NOTE
