"""Intake: invoices read from a printed PDF by a template (format ``pdf-text``).

A template reads what is printed, and a printed value can be misread. Such invoices are held for
the creditor team to compare with the PDF (``PDF-TEXT``), unless a customer switches that rule off
to let template-read invoices through untouched; printed amounts that do not add up are held
either way (``PDF-TOTALS``), since a misread is likelier than a supplier's arithmetic error::

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

from collections.abc import Iterator
from decimal import Decimal

from classifiers.api import Context, Finding, rule
from classifiers.texts import Text, amount_da
from robot.model import Invoice, SourceFormat

PDF_TEXT = SourceFormat.PDF_TEXT


@rule(
    "PDF-TEXT",
    description="An invoice read from a printed PDF by a template is held so the creditor team can "
    "compare the values with the PDF; a customer may switch this rule off to post such invoices.",
    disposition="hold",
    status="UQ",
    reason="OTH",
    action="NOA",
)
def read_by_template(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
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


@rule(
    "PDF-TOTALS",
    description="On an invoice read from a printed PDF, net amount + VAT must equal the total and the "
    "lines must add up to the net amount; otherwise the template misread a value and it is held.",
    disposition="hold",
    status="UQ",
    reason="LEG",
    action="NOA",
    field="BT-112",
)
def printed_totals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    if invoice.format != PDF_TEXT:
        return
    t = invoice.totals
    net, tax, total = t.tax_exclusive, t.tax, t.tax_inclusive
    if net is not None and tax is not None and total is not None and net + tax != total:
        yield ctx.finding(
            da=f"Nettobeløb {amount_da(net)} + moms {amount_da(tax)} er ikke totalen {amount_da(total)} på "
            "PDF'en, som skabelonen læste "
            "den. Kontrollér beløbene mod PDF'en og ret skabelonen.",
            en=f"Net amount {net} + VAT {tax} is not the total {total} as the template read the PDF. "
            "Check the amounts against the PDF and correct the template.",
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
                f"{amount_da(t.line_extension)} på PDF'en, som skabelonen læste den. "
                "Kontrollér linjerne mod PDF'en.",
                en=f"The lines add up to {total}, but the line total is {t.line_extension} as the template "
                "read the PDF. Check the lines against the PDF.",
                found=total,
                expected=t.line_extension,
            )
