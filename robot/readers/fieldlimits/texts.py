"""Texts that land in a bounded column or are posted, checked on the assembled invoice.

:func:`check_invoice` is called where each reader family returns its invoice, with the element
names of that syntax (:class:`Elements`) so that a message says where the value was: the invoice
number, the supplier's name and key, the currency (ISO 4217), line ids, account strings and the
credited invoice numbers, and no NUL character in any of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from classifiers.keys import normalise_invoice_number, supplier_cvr, supplier_key
from robot.errors import ReadError
from robot.model import Invoice
from robot.readers.currencies import is_iso4217
from robot.readers.fieldlimits.quoting import quote

# each the length of the column it lands in, in characters

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
