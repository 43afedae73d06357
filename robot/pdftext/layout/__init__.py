"""Reading a printed invoice without a template: what every invoice prints, each value with its evidence.

:func:`read_layout` takes the text of a printed PDF (``pdftotext -layout``, or OCR) and finds the
seller (name, VAT id or CVR number, told apart from the buyer), the invoice number, issue and due
date, currency, net amount, VAT, total and amount payable, the VAT rate and the payment details
(FIK line, reg. no. and account, IBAN/BIC). Danish labels first, then English, German and French.
Every value comes with an :class:`~robot.model.Evidence`: the printed line it was read from and a
confidence. A value the reader is not sure of is left empty, never guessed: a field printed with
different values, amounts that do not add up (net + VAT ≠ total), a VAT rate that does not give the
VAT, a CVR number failing modulus 11 or an IBAN failing its checksum are all dropped.

The modules: :mod:`.text` (lines and column segments), :mod:`.labels`, :mod:`.amounts` (strict
money), :mod:`.dates`, :mod:`.fields` (number, dates, currency), :mod:`.totals`, :mod:`.parties`
(seller vs buyer) and :mod:`.payment`.

    >>> inv = read_layout('''Kontorland A/S              Faktura
    ... CVR-nr. 13585628             Fakturanr.:    10452
    ...                              Fakturadato:   05.03.2024
    ... Subtotal                     1.000,00
    ... Moms 25%                       250,00
    ... Total DKK                    1.250,00''')
    >>> inv.number, inv.issue_date, inv.currency, inv.seller.vat_id, inv.totals.payable
    ('10452', datetime.date(2024, 3, 5), 'DKK', 'DK13585628', Decimal('1250.00'))
    >>> [(e.field, e.value, e.confidence) for e in inv.evidence][:2]
    [('number', '10452', 0.8), ('issue_date', '2024-03-05', 0.8)]
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from robot.model import DocumentType, Evidence, Identifier, Invoice, SourceFormat, VatBreakdown
from robot.pdftext.layout.amounts import CURRENCY_CODES, SYMBOLS
from robot.pdftext.layout.fields import find_fields
from robot.pdftext.layout.parties import find_seller
from robot.pdftext.layout.payment import find_payment
from robot.pdftext.layout.text import Candidate, lines_of
from robot.pdftext.layout.totals import find_totals

__all__ = ["KEY_FIELDS", "found_and_missing", "read_layout"]

#: What a creditor needs to book an invoice; what the reader did not find of these is named.
KEY_FIELDS: dict[str, tuple[str, str]] = {
    "number": ("fakturanummer", "invoice number"),
    "issue_date": ("fakturadato", "issue date"),
    "currency": ("valuta", "currency"),
    "seller.name": ("leverandørens navn", "seller name"),
    "seller.vat_id": ("leverandørens CVR-/momsnummer", "seller VAT id"),
    "totals.tax_exclusive": ("nettobeløb", "net amount"),
    "totals.tax": ("moms", "VAT"),
    "totals.payable": ("beløb at betale", "amount payable"),
}
# matched on the lower-cased text (faster than IGNORECASE on a long text)
_ENGLISH = re.compile(r"\b(?:invoice|due\s+date|amount\s+due|bill\s+to|payable)\b")
_OTHER_LANGUAGE = re.compile(r"\b(?:faktura|rechnung|facture|moms|mwst|ust)")
_CREDIT = re.compile(r"^\s*(?:kreditnota|credit\s+note|avoir)\b", re.MULTILINE)


def read_layout(text: str) -> Invoice:
    """The invoice printed in ``text``, format ``pdf-layout``, with the evidence for every value."""
    lines = lines_of(text)
    text = "\n".join(line.text for line in lines)  # what the reader looks at, within its limits
    low = text.lower()
    english = bool(_ENGLISH.search(low)) and not _OTHER_LANGUAGE.search(low)
    fields = find_fields(lines, english=english)
    totals = find_totals(lines, text)
    seller = find_seller(lines)
    evidence: list[Evidence] = []

    def keep(name: str, cand: Candidate[object] | Candidate[str] | Candidate[Decimal] | None) -> object:
        if cand is None:
            return None
        value = cand.value
        shown = value.isoformat() if isinstance(value, date) else str(value)
        evidence.append(Evidence(name, shown, cand.text, round(cand.confidence, 2), cand.line.page))
        return value

    inv = Invoice(
        format=SourceFormat.PDF_LAYOUT,
        document_type=DocumentType.CREDIT_NOTE if _CREDIT.search(low) else DocumentType.INVOICE,
    )
    number = keep("number", fields.values.get("number"))
    inv.number = number if isinstance(number, str) else None
    for key in ("issue_date", "due_date"):
        value = keep(key, fields.values.get(key))
        setattr(inv, key, value if isinstance(value, date) else None)
    for key in ("order_reference", "buyer_reference"):
        ref = keep(key, fields.values.get(key))
        setattr(inv, key, ref if isinstance(ref, str) else None)
    ean = keep("buyer.endpoint", fields.values.get("ean"))
    if isinstance(ean, str):
        inv.buyer.endpoint = Identifier(ean, "0088")
    currency = fields.values.get("currency") or totals.currency or _document_currency(text)
    code = keep("currency", currency)
    inv.currency = code if isinstance(code, str) else None
    seller_name = keep("seller.name", seller.name)
    inv.seller.name = seller_name if isinstance(seller_name, str) else None
    vat_id = keep("seller.vat_id", seller.vat)
    inv.seller.vat_id = vat_id if isinstance(vat_id, str) else None
    if seller.cvr is not None:
        keep("seller.legal_id", seller.cvr)
        inv.seller.legal_id = Identifier(seller.cvr.value, "0184")
    t = inv.totals
    for field, key in (
        ("tax_exclusive", "net"),
        ("tax", "vat"),
        ("tax_inclusive", "total"),
        ("payable", "payable"),
    ):
        amount = keep(f"totals.{field}", totals.values.get(key))
        setattr(t, field, amount if isinstance(amount, Decimal) else None)
    _credit_sign(inv)
    rate = keep("vat_breakdown.rate", totals.values.get("rate"))
    if isinstance(rate, Decimal):
        inv.vat_breakdown.append(
            VatBreakdown(
                category="S" if rate else "Z", rate=rate, taxable_amount=t.tax_exclusive, tax_amount=t.tax
            )
        )
    for i, pay in enumerate(find_payment(lines)):
        evidence.append(
            Evidence(f"payment_means[{i}]", _means_text(pay.value), pay.text, pay.confidence, pay.line.page)
        )
        inv.payment_means.append(pay.value)
    inv.evidence = evidence
    inv.notes.extend(f"left empty: {why}" for why in (*fields.dropped, *totals.dropped))
    return inv


def _credit_sign(inv: Invoice) -> None:
    """A credit note printed with negative amounts: the model's credit notes carry positive ones."""
    t = inv.totals
    names = ("tax_exclusive", "tax", "tax_inclusive", "payable")
    found = [getattr(t, n) for n in names if getattr(t, n) is not None]
    if inv.is_credit_note and found and all(v <= 0 for v in found) and any(v < 0 for v in found):
        for n in names:
            if getattr(t, n) is not None:
                setattr(t, n, -getattr(t, n))
        inv.notes.append("a credit note printed with negative amounts: read as positive amounts")


def _document_currency(text: str) -> Candidate[str] | None:
    codes = {c for c in re.findall(r"\b[A-Z]{3}\b", text) if c in CURRENCY_CODES}
    codes |= {code for symbol, code in SYMBOLS.items() if symbol in text}
    if len(codes) != 1:
        return None
    code = codes.pop()
    for line in lines_of(text):
        if re.search(rf"\b{code}\b", line.text) or any(
            s in line.text for s, c in SYMBOLS.items() if c == code
        ):
            return Candidate(code, line, 0.6)
    return None


def _means_text(means: object) -> str:
    from robot.model import PaymentMeans

    if not isinstance(means, PaymentMeans):
        return str(means)
    if means.code == "93":
        return f"FIK {means.payment_id} creditor {means.creditor_account}"
    if means.code == "42":
        return f"reg. no. {means.branch} account {means.account}"
    return f"IBAN {means.account}" + (f" BIC {means.branch}" if means.branch else "")


def found_and_missing(invoice: Invoice) -> tuple[list[str], list[str]]:
    """The key fields (:data:`KEY_FIELDS`) the reader found, and those it did not."""
    have = {e.field for e in invoice.evidence}
    found = [f for f in KEY_FIELDS if f in have]
    return found, [f for f in KEY_FIELDS if f not in have]
