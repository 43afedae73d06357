"""Intake: invoices read from a printed PDF, by a template (format ``pdf-text``) or without one
(``pdf-layout``), and invoices whose text was recognised from page images (OCR).

A template reads what is printed, and a printed value can be misread. Such invoices are held for
the creditor team to compare with the PDF (``PDF-TEXT``), unless a customer switches that rule off
to let template-read invoices through untouched. An invoice read without a template is held with
the values found and those missing, so the creditor team confirms instead of typing
(``PDF-LAYOUT``); one read by OCR is held because recognised text can be read wrongly
(``PDF-OCR``); a customer may switch either off explicitly. Printed amounts that do not add up are
held either way (``PDF-TOTALS``), since a misread is likelier than a supplier's arithmetic error::

    >>> from decimal import Decimal
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> from robot.model import DocumentType, Invoice, Totals
    >>> inv = Invoice(format="pdf-text", document_type=DocumentType.INVOICE, template="dk.kontorland",
    ...               totals=Totals(tax_exclusive=Decimal("100.00"), tax=Decimal("25.00"),
    ...                             tax_inclusive=Decimal("152.00")))
    >>> [f.code for f in Classifier(only=["intake"]).classify(inv, Context()).findings]
    ['PDF-TEXT', 'PDF-TOTALS']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

from classifiers.api import Context, Finding
from classifiers.builtin._family import Family
from classifiers.texts import Text, amount_da
from robot.model import Invoice, SourceFormat

PDF_TEXT = SourceFormat.PDF_TEXT
PDF_LAYOUT = SourceFormat.PDF_LAYOUT
PRINTED = (PDF_TEXT, PDF_LAYOUT)

#: An invoice whose values may be misread is held for the creditor team to check against the PDF.
INTAKE = Family(disposition="hold", status="UQ", reason="OTH", action="NOA")


@INTAKE.rule("PDF-TEXT")
def read_by_template(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An invoice read from a printed PDF by a template is held so the creditor team can compare the
    values with the PDF; a customer may switch this rule off to post such invoices."""
    if invoice.format != PDF_TEXT:
        return
    yield ctx.finding(
        da=f"Fakturaen er læst fra en PDF uden e-faktura-data med skabelonen '{invoice.template}'. "
        "Kreditorteamet kontrollerer beløb, bankoplysninger og referencer mod PDF'en.",
        en=f"The invoice was read from a PDF without e-invoice data, with the template "
        f"'{invoice.template}'. The creditor team checks amounts, bank details and references "
        "against the PDF.",
        found=f"pdf-text ({invoice.template})",
        expected=Text(
            "en e-faktura (OIOUBL, Peppol BIS 3) eller en kontrol mod PDF'en",
            "an e-invoice (OIOUBL, Peppol BIS 3), or a check against the PDF",
        ),
    )


@INTAKE.rule("PDF-TOTALS", reason="LEG", field="BT-112")
def printed_totals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """On an invoice read from a printed PDF (by a template or without one), net amount + VAT must equal
    the total and the lines must add up to the net amount; otherwise a value was misread and it is held."""
    if invoice.format not in PRINTED:
        return
    t = invoice.totals
    net, tax, total = t.tax_exclusive, t.tax, t.tax_inclusive
    by_template = invoice.format == PDF_TEXT
    read_da = "som skabelonen læste den" if by_template else "som den blev læst uden skabelon"
    read_en = "as the template read the PDF" if by_template else "as the PDF was read without a template"
    if net is not None and tax is not None and total is not None and net + tax != total:
        yield ctx.finding(
            da=f"Nettobeløb {amount_da(net)} + moms {amount_da(tax)} er ikke totalen {amount_da(total)} på "
            f"PDF'en, {read_da}. Kontrollér beløbene mod PDF'en"
            + (" og ret skabelonen." if by_template else "."),
            en=f"Net amount {net} + VAT {tax} is not the total {total} {read_en}. "
            "Check the amounts against the PDF" + (" and correct the template." if by_template else "."),
            found=Text(
                f"{amount_da(net)} + {amount_da(tax)} = {amount_da(net + tax)}",
                f"{net} + {tax} = {net + tax}",
            ),
            expected=total,
        )
    amounts = [line.net_amount for line in invoice.lines]
    if amounts and all(a is not None for a in amounts) and t.line_extension is not None:
        total = sum((a for a in amounts if a is not None), Decimal(0))
        if total != t.line_extension:
            yield ctx.finding(
                da=f"Linjerne summer til {amount_da(total)}, men linjetotalen er "
                f"{amount_da(t.line_extension)} på PDF'en, {read_da}. "
                "Kontrollér linjerne mod PDF'en.",
                en=f"The lines add up to {total}, but the line total is {t.line_extension} {read_en}. "
                "Check the lines against the PDF.",
                found=total,
                expected=t.line_extension,
            )


#: What a creditor needs to book an invoice read without a template: (Danish, English, value).
KEY_VALUES: tuple[tuple[str, str, Callable[[Invoice], object]], ...] = (
    ("fakturanummer", "invoice number", lambda i: i.number),
    ("fakturadato", "issue date", lambda i: i.issue_date),
    ("valuta", "currency", lambda i: i.currency),
    ("leverandørens navn", "seller name", lambda i: i.seller.name),
    ("leverandørens CVR-/momsnummer", "seller VAT id", lambda i: i.seller.vat_id),
    ("nettobeløb", "net amount", lambda i: i.totals.tax_exclusive),
    ("moms", "VAT", lambda i: i.totals.tax),
    ("beløb at betale", "amount payable", lambda i: i.totals.payable),
)


def _shown(value: object, *, danish: bool) -> str:
    if isinstance(value, Decimal):
        return amount_da(value) if danish else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return f"'{value}'"


@INTAKE.rule("PDF-LAYOUT")
def read_without_template(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An invoice read from a printed PDF without a template is held so the creditor team checks the
    values found (each with the text it was read from) and adds what is missing; a customer may switch
    this rule off."""
    if invoice.format != PDF_LAYOUT:
        return
    have = [(da, en, get(invoice)) for da, en, get in KEY_VALUES if get(invoice) is not None]
    missing = [(da, en) for da, en, get in KEY_VALUES if get(invoice) is None]
    found_da = ", ".join(f"{da} {_shown(v, danish=True)}" for da, _, v in have) or "intet"
    found_en = ", ".join(f"{en} {_shown(v, danish=False)}" for _, en, v in have) or "nothing"
    missing_da = ", ".join(da for da, _ in missing) or "intet"
    missing_en = ", ".join(en for _, en in missing) or "nothing"
    yield ctx.finding(
        da="Fakturaen er læst uden skabelon fra en PDF uden e-faktura-data: kontrollér de fundne "
        f"værdier mod PDF'en. Fundet: {found_da}. Mangler: {missing_da}.",
        en="The invoice was read without a template from a PDF without e-invoice data: check the "
        f"values found against the PDF. Found: {found_en}. Missing: {missing_en}.",
        found=Text(f"fundet {len(have)} af {len(KEY_VALUES)}", f"found {len(have)} of {len(KEY_VALUES)}"),
        expected=Text(
            "en e-faktura (OIOUBL, Peppol BIS 3), en skabelon eller en kontrol mod PDF'en",
            "an e-invoice (OIOUBL, Peppol BIS 3), a template, or a check against the PDF",
        ),
    )


@INTAKE.rule("PDF-OCR")
def read_by_ocr(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An invoice whose text was recognised from page images (a scanned PDF, OCR) is held: recognised
    text can be read wrongly; a customer may switch this rule off explicitly."""
    if not invoice.ocr:
        return
    yield ctx.finding(
        da="Fakturaens tekst er genkendt fra billeder af siderne (en scannet PDF, OCR) og kan være "
        "læst forkert. Kontrollér beløb, bankoplysninger og referencer mod PDF'en.",
        en="The invoice's text was recognised from page images (a scanned PDF, OCR) and can be read "
        "wrongly. Check amounts, bank details and references against the PDF.",
        found=Text("tekst genkendt ved OCR", "text recognised by OCR"),
        expected=Text("en PDF med tekst eller en e-faktura", "a PDF with text, or an e-invoice"),
    )
