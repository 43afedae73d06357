"""The keys an invoice is found by in the history: its supplier and its invoice number, folded.

Read by the rules (:mod:`classifiers.lookups`), by the store when it records an invoice and by the
readers when they check what will be stored, so it imports nothing of the rule API::

    >>> normalise_invoice_number(" inv 2024-17 "), cvr_of("DK 1234 5678")
    ('INV2024-17', '12345678')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from stdnum.dk.cvr import compact as compact_cvr

if TYPE_CHECKING:
    from robot.model import Invoice

_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
# Characters that OCR, typing and fonts confuse: letter → the digit it is mistaken for.
_LOOK_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8"})


def normalise_invoice_number(number: str | None) -> str:
    """The invoice number as the supplier meant it: case and whitespace do not count.

    >>> normalise_invoice_number(" inv 2024-17 ")
    'INV2024-17'
    """
    return _SPACE.sub("", number or "").upper()


def canonical_invoice_number(number: str | None) -> str:
    """A number with punctuation, leading zeros and look-alike letters folded away (for suspicion).

    >>> canonical_invoice_number("F-00O17"), canonical_invoice_number("f 17")
    ('F17', 'F17')
    >>> canonical_invoice_number("INV-5O1") == canonical_invoice_number("1NV-S01")
    True
    """
    groups = _NOT_ALNUM.split((number or "").upper().translate(_LOOK_ALIKE))
    return "".join(_LEADING_ZEROS.sub("", group) for group in groups)


@lru_cache(maxsize=65536)
def cvr_of(value: str | None) -> str | None:
    """The 8-digit CVR in ``DK12345678``, ``12345678`` or ``DK 1234 5678``; else ``None``."""
    if not value:
        return None
    digits = compact_cvr(value)  # python-stdnum: no separators, no ``DK``
    return digits if len(digits) == 8 and digits.isdigit() else None


def supplier_cvr(invoice: Invoice) -> str | None:
    """The seller's CVR from its legal id (BT-30), else its VAT id (BT-31) when Danish."""
    seller = invoice.seller
    if seller.legal_id is not None:
        cvr = cvr_of(seller.legal_id.value)
        if cvr:
            return cvr
    vat = (seller.vat_id or "").replace(" ", "").upper()
    return cvr_of(vat) if vat.startswith("DK") else None


def supplier_key(invoice: Invoice) -> str:
    """How earlier invoices of the same supplier are found: CVR, else endpoint id, else name."""
    cvr = supplier_cvr(invoice)
    if cvr:
        return cvr
    endpoint = invoice.seller.endpoint
    if endpoint is not None and endpoint.value.strip():
        return endpoint.value.strip()
    return _SPACE.sub(" ", (invoice.seller.name or "").strip()).casefold()


@dataclass(frozen=True, slots=True)
class HistoryKey:
    """What the duplicate rules ask the history about one invoice (one indexed query answers all).

    >>> from robot.model import DocumentType, Identifier, Invoice, Party
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="f-0O17",
    ...               seller=Party(legal_id=Identifier("DK 1234 5674", "0184")))
    >>> key = HistoryKey.of(inv, "ab12")
    >>> key.supplier_key, key.number, key.canonical, key.payable, key.sha256
    ('12345674', 'F-0O17', 'F17', None, 'ab12')
    """

    supplier_key: str
    number: str  # normalise_invoice_number: DUP-NUMBER
    canonical: str  # canonical_invoice_number: DUP-SUSPECT's "nearly the same number"
    payable: Decimal | None  # DUP-SUSPECT: the same amount (and date)
    issue_date: date | None
    sha256: str | None  # DUP-DOCUMENT

    @classmethod
    def of(cls, invoice: Invoice, sha256: str | None) -> HistoryKey:
        issued = invoice.issue_date if isinstance(invoice.issue_date, date) else None
        return cls(
            supplier_key(invoice),
            normalise_invoice_number(invoice.number),
            canonical_invoice_number(invoice.number),
            invoice.totals.payable,
            issued,
            sha256 or None,
        )
