"""Shared pieces of the EN 16931 rule modules: which documents they apply to, line grouping.

The EN 16931 rules (``en16931_*``) judge documents in an EN 16931 syntax. OIOUBL 2.x documents
have their own arithmetic with their own official ids (:mod:`classifiers.builtin.oioubl`), so
the same problem is never reported twice::

    >>> from robot.model import DocumentType, Invoice
    >>> applies(Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE))
    True
    >>> applies(Invoice(format="oioubl-2", document_type=DocumentType.INVOICE))
    False
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.builtin._family import Family
from robot.model import AllowanceCharge, Invoice, SourceFormat

#: The syntaxes the EN 16931 rules judge (a Factur-X PDF is read as ``cii``).
EN16931_FORMATS = frozenset(
    {SourceFormat.PEPPOL_BIS3, SourceFormat.EN16931_UBL, SourceFormat.OIOUBL_3, SourceFormat.CII}
)

#: Danish and English names of the documents, for messages.
DOC_DA = {"invoice": "fakturaen", "credit_note": "kreditnotaen"}
DOC_EN = {"invoice": "invoice", "credit_note": "credit note"}


#: The syntaxes whose official rules include the Peppol BIS 3 rules (PEPPOL-EN16931-R*).
PEPPOL_FORMATS = frozenset({SourceFormat.PEPPOL_BIS3, SourceFormat.OIOUBL_3})


def applies_peppol(invoice: Invoice) -> bool:
    """True when the Peppol BIS 3 rules (e.g. PEPPOL-EN16931-R120) judge this document."""
    return invoice.format in PEPPOL_FORMATS


def applies(invoice: Invoice) -> bool:
    """True when the EN 16931 rules judge this document."""
    return invoice.format in EN16931_FORMATS


def tax_currency_given(invoice: Invoice) -> bool:
    """Whether the document gives a VAT accounting currency (BT-6): a code, or the element even empty
    (the official rules test the element)."""
    return invoice.tax_currency is not None or "BT-6" in (invoice.present or ())


def every_allowance_charge(invoice: Invoice) -> Iterator[tuple[AllowanceCharge, int | None, str | None]]:
    """Every allowance and charge: the document's, then each line's (with the line's index and id)."""
    for ac in invoice.allowances_charges:
        yield ac, None, None
    for index, line in enumerate(invoice.lines):
        for ac in line.allowances_charges:
            yield ac, index, line.id


def line_label(line_id: str | None, index: int) -> str:
    """A line's id for messages: its BT-126, else its position (1-based)."""
    return line_id if line_id else f"#{index + 1}"


#: The EN 16931 rules: a document that breaks the standard is returned to the supplier.
EN16931 = Family(judges=applies, status="RE", reason="LEG", action="NIN")
#: The Peppol BIS 3 rules among them (PEPPOL-EN16931-R*).
PEPPOL = EN16931.judging(applies_peppol)
#: The rules of Peppol BIS 3 that OIOUBL 3's artefact does not take over: Peppol BIS 3 UBL only.
PEPPOL_UBL = EN16931.judging(lambda invoice: invoice.format == SourceFormat.PEPPOL_BIS3)
