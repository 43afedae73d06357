"""What the duplicate-history tests share: the duplicate rules on their own, invoice numbers that
fold together, and a bare invoice of a supplier, number, issue date and amount due."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from classifiers.engine import Classifier
from robot.model import DocumentType, Identifier, Invoice, Party, Totals

DUPLICATE_RULES = Classifier(only=["duplicates"])
# numbers that fold together (punctuation, leading zeros, look-alikes), series across years, near misses
LOOK_ALIKE_NUMBERS = (
    "F-0017",
    "F17",
    "f 17",
    "FO17",
    "F-18",
    "INV-2025-0017",
    "INV 2025 17",
    "1NV-2O25-0017",
    "X",
    "17",
)


def bare_invoice(supplier: str, number: str | None, issued: date | None, payable: Decimal | None) -> Invoice:
    """An invoice with only what the duplicate rules read: a CVR when ``supplier`` is digits, else a
    seller name."""
    seller = (
        Party(name=supplier or None)
        if not supplier.isdigit()
        else Party(legal_id=Identifier(supplier, "0184"))
    )
    return Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        number=number,
        issue_date=issued,
        seller=seller,
        totals=Totals(payable=payable),
    )
