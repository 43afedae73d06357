"""Reading a printed PDF (one without embedded e-invoice XML): text layer or OCR, template or none.

:func:`read_printed` takes the PDF's text layer (:func:`robot.pdftext.textlayer.pdf_text`); a PDF
without one, or whose text cannot be read, is read by OCR (:func:`robot.pdftext.ocr.ocr_text`,
``invoice.ocr`` is then true, and each value's confidence is lowered by :data:`OCR_CONFIDENCE`).
A configured template whose keywords occur reads it (format ``pdf-text``); otherwise the
template-free reader does (:mod:`robot.pdftext.layout`, format ``pdf-layout``), each value with its
evidence. When that finds too little to be an invoice (no
amount to pay, or neither an invoice number nor a seller), it is a ReadError that says what was found
and what is missing, and quotes the start of the text so a template can be written.

    >>> read_printed(b"%PDF-1.4 broken", "x.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: x.pdf: ...
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from robot.errors import ReadError
from robot.model import Invoice
from robot.pdftext.area import area_reader
from robot.pdftext.layout import KEY_FIELDS, found_and_missing, read_layout
from robot.pdftext.loading import apply_template
from robot.pdftext.textlayer import NoTextLayer, pdf_text

if TYPE_CHECKING:
    from robot.pdftext import TemplateSet
    from robot.pdftext.ocr import OcrLimits

__all__ = ["read_printed"]

QUOTED = 160  # characters of the text quoted when nothing could be read
OCR_CONFIDENCE = 0.8  # text recognised from page images is less sure than a text layer: × this


def read_printed(
    content: bytes,
    filename: str = "<bytes>",
    templates: TemplateSet | None = None,
    *,
    ocr_limits: OcrLimits | None = None,
) -> Invoice:
    """The invoice printed in a PDF without embedded XML (see the module docstring)."""
    ocr = False
    try:
        text = pdf_text(content, filename)
    except NoTextLayer:
        from robot.pdftext.ocr import ocr_text

        text = ocr_text(content, filename, limits=ocr_limits)
        ocr = True
    found = templates.match(text) if templates is not None and len(templates) else None
    if found is not None:
        template, prepared = found
        # an area is cropped from the PDF's text layer; a scan has none, so OCR text is searched whole
        invoice = apply_template(
            template, prepared, filename, None if ocr else area_reader(content, filename)
        )
        invoice.ocr = ocr
        return invoice
    invoice = read_layout(text)
    invoice.ocr = ocr
    if ocr:
        invoice.evidence = [
            replace(e, confidence=round(e.confidence * OCR_CONFIDENCE, 2)) for e in invoice.evidence
        ]
    _enough(invoice, text, filename, tried=len(templates) if templates is not None else 0)
    return invoice


def _enough(invoice: Invoice, text: str, filename: str, *, tried: int) -> None:
    """A ReadError when ``invoice`` is too little to be one: no amount, or no number and no seller."""
    t = invoice.totals
    amount = t.payable is not None or t.tax_inclusive is not None
    who = invoice.number is not None or invoice.seller.vat_id is not None or invoice.seller.name is not None
    if amount and who:
        return
    found, missing = found_and_missing(invoice)
    shown = ", ".join(f"{f} {_value(invoice, f)}" for f in found) or "nothing"
    lacking = ", ".join(KEY_FIELDS[f][1] for f in missing)
    start = " ".join(text.split())[:QUOTED]
    templates = f"no PDF template matches it ({tried} tried); " if tried else "no PDF template configured; "
    raise ReadError(
        f"{templates}read without a template, the PDF shows too little of an invoice: found {shown}; "
        f"missing {lacking}; its text begins '{start}'",
        file=filename,
        field="totals.payable" if not amount else "number",
        expected="an invoice number or seller and the amount to pay, printed with their labels "
        "(Fakturanr., I alt, Total DKK...), or a template for this supplier",
    )


def _value(invoice: Invoice, field: str) -> str:
    for evidence in invoice.evidence:
        if evidence.field == field:
            return repr(evidence.value)
    return "-"
