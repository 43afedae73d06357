"""Input limits: what a value read from a document may be, so that every store takes it alike.

The store's bounded columns (``robot/store/schema.py``) are enforced by PostgreSQL and ignored by
SQLite; a value over a limit used to post on SQLite and fail every run on PostgreSQL. So the
readers check the limits when they read, and an unusable value is a
:class:`~robot.errors.ReadError` naming the field (BT id and element), what was found (shortened,
safely quoted) and what was expected: the invoice is held as READ-ERROR on the first run, with the
same verdict on every database.

Two kinds of check, each in one place per reader family:

* **numbers**, as they are parsed (:func:`digits_problem`, called by the XML readers' decimal
  parser in :mod:`robot.readers.nodes` and by the printed-amount parser in
  :mod:`robot.pdftext.values`): the ASCII digits 0-9 only (Python's ``Decimal`` and ``\\d`` also
  take full-width ``１２３``, Arabic-Indic ``١٢٣`` and other Unicode digits), at most
  :data:`MAX_INTEGER_DIGITS` before the decimal point (the store's ``MONEY`` is ``NUMERIC(20, 4)``)
  and at most :data:`MAX_FRACTION_DIGITS` after it;
* **texts** that land in a bounded column or are posted, on the assembled invoice
  (:func:`check_invoice`, called where each reader family returns its invoice): the invoice number,
  the supplier's name and key, the currency (ISO 4217), line ids, account strings and the credited
  invoice numbers. Free text that is stored unbounded (notes, payment terms, item names) has no
  limit beyond the document size.

    >>> digits_problem("10000000000000000", "00")
    'has 17 digits before the decimal point; at most 16 fit (amounts below 10^16)'
    >>> digits_problem("１２３", "００")
    "has the non-ASCII digit '１' (U+FF11 FULLWIDTH DIGIT ONE); only the digits 0-9 are numbers"
    >>> quote("ab\\u202ecd" + "x" * 60)
    "'ab\\\\u202ecdxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (65 characters)"
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from classifiers.lookups import normalise_invoice_number, supplier_cvr, supplier_key
from robot.errors import ReadError
from robot.model import Invoice
from robot.readers.currencies import is_iso4217

# -- numbers ----------------------------------------------------------------------------------------

MONEY_PRECISION, MONEY_SCALE = 20, 4
"""The store's ``MONEY`` column type, ``Numeric(20, 4)`` (a test keeps the two in step)."""
MAX_INTEGER_DIGITS = MONEY_PRECISION - MONEY_SCALE
"""Digits before the decimal point (leading zeros not counted): every amount is below 10^16."""
MAX_FRACTION_DIGITS = 12
"""Digits after the decimal point. 16 + 12 = 28, Python's decimal precision, so every value read
is exact in the robot's arithmetic; real invoices use at most 8 (unit prices)."""

# -- texts (each the length of the column it lands in, in characters) ------------------------------

MAX_INVOICE_NUMBER = 128
"""BT-1 → ``invoices.invoice_number`` and ``number_normalised``, String(128); posted."""
MAX_SUPPLIER_NAME = 256
"""BT-27 → ``invoices.supplier_name``, String(256)."""
MAX_SUPPLIER_KEY = 128
"""``invoices.supplier_key``, String(128): the CVR, else BT-34, else the folded BT-27."""
MAX_LINE_ID = 64
"""BT-126 → ``findings.line_id``, String(64)."""
MAX_REFERENCE = 128
"""Posted references: BT-19 and BT-133 account strings, BT-25 credited invoice numbers (like BT-1)."""

SHOWN = 40
"""Characters of a found value shown in a message."""


def quote(value: str, limit: int = SHOWN) -> str:
    """``value`` in single quotes, safe to print: control, format (bidi) and other invisible
    characters escaped, shortened to ``limit`` characters with its length when longer."""
    shown = "".join(_safe(ch) for ch in value[:limit])
    return f"'{shown}'" if len(value) <= limit else f"'{shown}…' ({len(value)} characters)"


def _safe(ch: str) -> str:
    if ch == "\\" or ch == "'":
        return "\\" + ch
    if ch == " " or unicodedata.category(ch)[0] not in "CZ":
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def non_ascii_digit(text: str) -> str | None:
    """The first character of ``text`` that is a digit but not one of ``0-9``, described."""
    for ch in text:
        if (ch.isdigit() or ch.isnumeric()) and not "0" <= ch <= "9":
            name = unicodedata.name(ch, "unnamed")
            return f"'{_safe(ch)}' (U+{ord(ch):04X} {name})"
    return None


def digits_problem(integer: str, fraction: str) -> str | None:
    """What is wrong with a number's digits before and after the decimal point, or None.

    The caller has taken off sign, separators and spaces; both parts should be ASCII digits.
    """
    if (odd := non_ascii_digit(integer + fraction)) is not None:
        return f"has the non-ASCII digit {odd}; only the digits 0-9 are numbers"
    significant = len(integer.lstrip("0"))
    if significant > MAX_INTEGER_DIGITS:
        return (
            f"has {significant} digits before the decimal point; at most {MAX_INTEGER_DIGITS} fit "
            f"(amounts below 10^{MAX_INTEGER_DIGITS})"
        )
    if len(fraction) > MAX_FRACTION_DIGITS:
        return f"has {len(fraction)} digits after the decimal point; at most {MAX_FRACTION_DIGITS} are read"
    return None


def decimal_problem(value: Decimal) -> str | None:
    """:func:`digits_problem` for a number already parsed (e.g. the sum of several printed amounts)."""
    if not value.is_finite():
        return "is not a finite number"
    text = f"{abs(value):f}"
    integer, _, fraction = text.partition(".")
    return digits_problem(integer, fraction)


NUMBER_EXPECTED = (
    f"a decimal number in the digits 0-9 with a dot, below 10^{MAX_INTEGER_DIGITS} and with at most "
    f"{MAX_FRACTION_DIGITS} decimals, e.g. 1234.50"
)

# The business term of an XML number element, by its local name and its parent's (and, where the
# two do not decide it, its grandparent's). Only for messages: an element not listed is named alone.
_TERMS: dict[tuple[str, ...], str] = {
    # UBL
    ("LegalMonetaryTotal", "LineExtensionAmount"): "BT-106",
    ("LegalMonetaryTotal", "AllowanceTotalAmount"): "BT-107",
    ("LegalMonetaryTotal", "ChargeTotalAmount"): "BT-108",
    ("LegalMonetaryTotal", "TaxExclusiveAmount"): "BT-109",
    ("LegalMonetaryTotal", "TaxInclusiveAmount"): "BT-112",
    ("LegalMonetaryTotal", "PrepaidAmount"): "BT-113",
    ("LegalMonetaryTotal", "PayableRoundingAmount"): "BT-114",
    ("LegalMonetaryTotal", "PayableAmount"): "BT-115",
    ("TaxTotal", "TaxAmount"): "BT-110",
    ("TaxSubtotal", "TaxableAmount"): "BT-116",
    ("TaxSubtotal", "TaxAmount"): "BT-117",
    ("TaxSubtotal", "TaxCategory", "Percent"): "BT-119",
    ("InvoiceLine", "InvoicedQuantity"): "BT-129",
    ("CreditNoteLine", "CreditedQuantity"): "BT-129",
    ("InvoiceLine", "LineExtensionAmount"): "BT-131",
    ("CreditNoteLine", "LineExtensionAmount"): "BT-131",
    ("Price", "PriceAmount"): "BT-146",
    ("Price", "BaseQuantity"): "BT-149",
    ("Price", "AllowanceCharge", "Amount"): "BT-147",
    ("Price", "AllowanceCharge", "BaseAmount"): "BT-148",
    ("ClassifiedTaxCategory", "Percent"): "BT-152",
    ("Invoice", "AllowanceCharge", "Amount"): "BT-92/BT-99",
    ("CreditNote", "AllowanceCharge", "Amount"): "BT-92/BT-99",
    ("InvoiceLine", "AllowanceCharge", "Amount"): "BT-136/BT-141",
    ("CreditNoteLine", "AllowanceCharge", "Amount"): "BT-136/BT-141",
    # CII
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "LineTotalAmount"): "BT-106",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "AllowanceTotalAmount"): "BT-107",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "ChargeTotalAmount"): "BT-108",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxBasisTotalAmount"): "BT-109",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxTotalAmount"): "BT-110",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "GrandTotalAmount"): "BT-112",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "TotalPrepaidAmount"): "BT-113",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "RoundingAmount"): "BT-114",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "DuePayableAmount"): "BT-115",
    ("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "BasisAmount"): "BT-116",
    ("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "CalculatedAmount"): "BT-117",
    ("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "RateApplicablePercent"): "BT-119",
    ("SpecifiedLineTradeDelivery", "BilledQuantity"): "BT-129",
    ("SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"): "BT-131",
    ("NetPriceProductTradePrice", "ChargeAmount"): "BT-146",
    ("GrossPriceProductTradePrice", "ChargeAmount"): "BT-148",
    ("NetPriceProductTradePrice", "BasisQuantity"): "BT-149",
    ("SpecifiedLineTradeSettlement", "ApplicableTradeTax", "RateApplicablePercent"): "BT-152",
}


def term_of(names: tuple[str, ...]) -> str | None:
    """The BT id of a number element from its local name and its ancestors' (innermost last).

    >>> term_of(("Invoice", "LegalMonetaryTotal", "PayableAmount"))
    'BT-115'
    >>> term_of(("InvoiceLine", "Price", "AllowanceCharge", "Amount"))
    'BT-147'
    """
    return _TERMS.get(names[-3:]) or _TERMS.get(names[-2:])


# -- texts -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Elements:
    """Where one syntax carries each checked business term (for the message)."""

    number: str
    currency: str
    seller_name: str
    seller_endpoint: str
    accounting_cost: str
    preceding: str
    line_id: str
    line_accounting_cost: str


UBL_INVOICE = Elements(
    number="cbc:ID",
    currency="cbc:DocumentCurrencyCode",
    seller_name="cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName "
    "(or cac:PartyName/cbc:Name)",
    seller_endpoint="cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
    accounting_cost="cbc:AccountingCost",
    preceding="cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
    line_id="cac:InvoiceLine/cbc:ID",
    line_accounting_cost="cac:InvoiceLine/cbc:AccountingCost",
)
UBL_CREDIT_NOTE = replace(
    UBL_INVOICE,
    line_id="cac:CreditNoteLine/cbc:ID",
    line_accounting_cost="cac:CreditNoteLine/cbc:AccountingCost",
)
CII = Elements(
    number="rsm:ExchangedDocument/ram:ID",
    currency="ram:ApplicableHeaderTradeSettlement/ram:InvoiceCurrencyCode",
    seller_name="ram:SellerTradeParty/ram:Name",
    seller_endpoint="ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID",
    accounting_cost="ram:ApplicableHeaderTradeSettlement/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID",
    preceding="ram:InvoiceReferencedDocument/ram:IssuerAssignedID",
    line_id="ram:AssociatedDocumentLineDocument/ram:LineID",
    line_accounting_cost="ram:SpecifiedLineTradeSettlement/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID",
)
PDF_TEXT = Elements(
    number="fields.invoice_number",
    currency="fields.currency (or options.currency)",
    seller_name="fields.partner_name (or issuer)",
    seller_endpoint="fields.seller_ean",
    accounting_cost="fields.accounting_cost",
    preceding="-",
    line_id="lines.pos (or id, line_id)",
    line_accounting_cost="-",
)


def ubl_elements(invoice: Invoice) -> Elements:
    """The UBL element names for an invoice or a credit note."""
    return UBL_CREDIT_NOTE if invoice.is_credit_note else UBL_INVOICE


def check_invoice(invoice: Invoice, elements: Elements) -> Invoice:
    """``invoice`` itself when every stored or posted text is within its limit, else a ReadError."""
    for problem in _text_problems(invoice, elements):
        raise problem
    return invoice


def _too_long(
    label: str,
    term: str,
    element: str,
    value: str,
    limit: int,
    *,
    where: str = "",
    length: int = 0,
    why: str = "",
) -> ReadError:
    return ReadError(
        f"{label} ({term}, {element}){where} is {length or len(value)} characters long{why}: {quote(value)}; "
        f"at most {limit} characters are allowed",
        field=f"{term} {element}",
        expected=f"at most {limit} characters",
    )


def _nul_problems(inv: Invoice, el: Elements) -> Iterator[ReadError]:
    """A NUL character (a printed PDF's text may carry one; XML cannot) fits no PostgreSQL text."""
    texts = [
        ("the invoice number", "BT-1", el.number, inv.number),
        ("the supplier name", "BT-27", el.seller_name, inv.seller.name),
        ("the invoice currency", "BT-5", el.currency, inv.currency),
        ("the account string", "BT-19", el.accounting_cost, inv.accounting_cost),
        *(("the line id", "BT-126", el.line_id, line.id) for line in inv.lines),
    ]
    for label, term, element, value in texts:
        if value is not None and "\x00" in value:
            yield ReadError(
                f"{label} ({term}, {element}) {quote(value)} contains a NUL character (\\x00)",
                field=f"{term} {element}",
                expected="text without NUL characters",
            )


def _text_problems(inv: Invoice, el: Elements) -> Iterator[ReadError]:
    yield from _nul_problems(inv, el)
    number = inv.number
    if number is not None:
        normalised = normalise_invoice_number(number)
        if len(number) > MAX_INVOICE_NUMBER:
            yield _too_long("the invoice number", "BT-1", el.number, number, MAX_INVOICE_NUMBER)
        elif len(normalised) > MAX_INVOICE_NUMBER:  # upper case can be longer: 'ß' becomes 'SS'
            why = " in upper case, as it is kept for the duplicate check"
            yield _too_long(
                "the invoice number",
                "BT-1",
                el.number,
                number,
                MAX_INVOICE_NUMBER,
                length=len(normalised),
                why=why,
            )
    currency = inv.currency
    if currency is not None and not is_iso4217(currency):
        yield ReadError(
            f"the invoice currency (BT-5, {el.currency}) {quote(currency)} is not an ISO 4217 currency "
            "code; expected three capital letters from ISO 4217, e.g. DKK, EUR, SEK",
            field=f"BT-5 {el.currency}",
            expected="an ISO 4217 currency code (three capital letters, e.g. DKK)",
        )
    seller = inv.seller
    name = seller.name
    if name is not None and len(name) > MAX_SUPPLIER_NAME:
        yield _too_long("the supplier name", "BT-27", el.seller_name, name, MAX_SUPPLIER_NAME)
    endpoint = seller.endpoint
    if endpoint is not None and len(endpoint.value.strip()) > MAX_SUPPLIER_KEY:
        yield _too_long(
            "the supplier's electronic address", "BT-34", el.seller_endpoint, endpoint.value, MAX_SUPPLIER_KEY
        )
    elif name is not None and supplier_cvr(inv) is None and len(key := supplier_key(inv)) > MAX_SUPPLIER_KEY:
        why = (
            " as the supplier's key (the supplier has no CVR in BT-30/BT-31 and no electronic address "
            "in BT-34, so its folded name identifies it)"
        )
        yield _too_long(
            "the supplier name", "BT-27", el.seller_name, name, MAX_SUPPLIER_KEY, length=len(key), why=why
        )
    if inv.accounting_cost is not None and len(inv.accounting_cost) > MAX_REFERENCE:
        yield _too_long("the account string", "BT-19", el.accounting_cost, inv.accounting_cost, MAX_REFERENCE)
    for preceding in inv.preceding_invoices:
        if len(preceding) > MAX_REFERENCE:
            yield _too_long("a preceding invoice number", "BT-25", el.preceding, preceding, MAX_REFERENCE)
    for index, line in enumerate(inv.lines, start=1):
        where = f" of line {index}"
        if line.id is not None and len(line.id) > MAX_LINE_ID:
            yield _too_long("the line id", "BT-126", el.line_id, line.id, MAX_LINE_ID, where=where)
        cost = line.accounting_cost
        if cost is not None and len(cost) > MAX_REFERENCE:
            yield _too_long(
                "the line's account string",
                "BT-133",
                el.line_accounting_cost,
                cost,
                MAX_REFERENCE,
                where=where,
            )
