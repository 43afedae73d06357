"""Printed PDF invoices (no e-invoice XML), read by the template in ``samples/pdf-templates``.

Kursuscentret Eksempel ApS (K10007) still sends PDFs. For most customers such an invoice is held
for a check against the PDF (PDF-TEXT); Institut for Testdata has switched that rule off, so its
invoice is posted. A total that does not add up is held either way (PDF-TOTALS), and a PDF from a
supplier without a template is held as unreadable (READ-ERROR).
"""

from __future__ import annotations

from decimal import Decimal

from robot.demo.samplegen.builder import Builder
from robot.demo.samplegen.scenarios_base import LIMIT_NET

PRINTER = "K10007"  # Kursuscentret Eksempel ApS: the template's keywords are its name and CVR
NO_TEMPLATE = "K10008"


def add_printed(b: Builder) -> None:
    doc = b.doc("pdf", "SFE", PRINTER, quantities=(0, 12), max_net=LIMIT_NET["SFE"])
    b.order_for(doc)
    b.add(
        "pdf-printed-held",
        "pdf-printed",
        doc,
        "hold",
        "OTH",
        "PDF uden e-fakturadata, læst med skabelon: holdes til kontrol mod PDF'en",
        "PDF without e-invoice data, read by a template: held for a check against the PDF",
    )
    doc = b.doc("pdf", "ITD", PRINTER, quantities=(0, 20), max_net=LIMIT_NET["ITD"])
    b.order_for(doc)
    b.add(
        "pdf-printed-posted",
        "pdf-printed",
        doc,
        "post",
        None,
        "PDF læst med skabelon; kunden har slået kontrollen fra (PDF-TEXT), så den bogføres",
        "PDF read by a template; the customer switched the check off (PDF-TEXT), so it is posted",
    )
    doc = b.doc("pdf", "ITD", PRINTER, quantities=(0, 8), max_net=LIMIT_NET["ITD"])
    b.order_for(doc)
    doc.tamper = {"payable": doc.totals().payable + Decimal("100.00")}
    b.add(
        "pdf-printed-totals-off",
        "pdf-totals",
        doc,
        "hold",
        "LEG",
        "PDF hvor netto + moms ikke giver totalen: holdes (skabelonen kan have læst forkert)",
        "PDF whose net + VAT is not the total: held (the template may have misread)",
    )
    doc = b.doc("pdf-layout", "SFE", NO_TEMPLATE, max_net=LIMIT_NET["SFE"])
    b.order_for(doc)
    b.add(
        "pdf-no-template",
        "pdf-no-template",
        doc,
        "hold",
        "OTH",
        "PDF fra en leverandør uden skabelon: læst uden skabelon, holdes til kontrol af de fundne værdier",
        "PDF from a supplier without a template: read without one, held for a check of the values found",
    )


def add_damaged(b: Builder) -> None:
    """A printed PDF cut off in transfer: it cannot be opened, so it is held unread (READ-ERROR)."""
    doc = b.doc("pdf-damaged", "SFE", PRINTER, max_net=LIMIT_NET["SFE"])
    b.add(
        "pdf-damaged",
        "pdf-damaged",
        doc,
        "hold",
        "UNR",
        "PDF der er afbrudt under overførslen: kan ikke åbnes, holdes ulæst til kreditorteamet",
        "PDF cut off in transfer: it cannot be opened, held unread for the creditor team",
    )


def damaged(content: bytes) -> bytes:
    """The first third of a PDF: its header and first objects, no cross-reference table or trailer."""
    return content[: len(content) // 3]
