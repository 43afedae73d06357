"""What a printed sample invoice says, whichever writer lays it out.

:mod:`~robot.demo.samplegen.pdfprint` (the plain templated layout),
:mod:`~robot.demo.samplegen.untemplated` (three suppliers' own layouts) and
:mod:`~robot.demo.samplegen.scanned` (the plain layout drawn as a page image) place a
:class:`~robot.demo.samplegen.documents.DocSpec` differently on the page but print the same facts:
the same line cells, totals (a ``tamper`` of the payable included) and payment details, and the two
fpdf2 writers start their page the same way (:func:`fpdf_page`)::

    >>> from datetime import date
    >>> date_da(date(2025, 3, 1)), date_da(date(2025, 3, 1), ".")
    ('01-03-2025', '01.03.2025')
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from robot.demo.samplegen.documents import DocSpec, LineSpec, fmt_qty
from robot.processing.notices import amount_da

if TYPE_CHECKING:
    from fpdf import FPDF

UNIT_TEXT = {"EA": "stk.", "HUR": "timer", "H87": "stk.", "DAY": "dage", "KGM": "kg", "LTR": "l"}


def date_da(value: date, sep: str = "-") -> str:
    """A date the Danish way: day, month, year with ``sep`` between."""
    return value.strftime(f"%d{sep}%m{sep}%Y")


def fpdf_page(doc: DocSpec) -> FPDF:
    """A new A4 fpdf2 document on its first page, dated ``doc``'s issue date at noon UTC (so the
    bytes are the same on every generation); fpdf2 is imported only here, when a PDF is printed."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.combine(doc.issue_date, time(12), tzinfo=UTC))
    pdf.set_title(f"Faktura {doc.number}")
    pdf.set_producer("fakturarobot samplegen")
    pdf.add_page()
    return pdf


def invoice_facts(doc: DocSpec) -> list[tuple[str, str]]:
    """The plain layout's label and value column: number, dates, order number and attention."""
    return [
        ("Fakturanr.:", doc.number),
        ("Fakturadato:", date_da(doc.issue_date)),
        ("Forfaldsdato:", date_da(doc.due_date)),
        ("Ordrenr.:", doc.order_ref or ""),
        ("Att.:", doc.person_ref or ""),
    ]


def line_cells(line: LineSpec) -> tuple[str, str, str, str, str, str]:
    """A line as printed: item number, name, quantity (decimal comma), unit, unit price, amount."""
    return (
        line.item.id,
        line.item.name,
        fmt_qty(line.quantity).replace(".", ","),
        UNIT_TEXT.get(line.item.unit, line.item.unit),
        amount_da(line.unit_price),
        amount_da(line.net),
    )


def vat_rate(doc: DocSpec) -> Decimal:
    """The rate the totals print: the first line's (25 % for a document without lines)."""
    return doc.lines[0].item.rate if doc.lines else Decimal(25)


def total_amounts(doc: DocSpec) -> tuple[Decimal, Decimal, Decimal]:
    """The printed totals: without VAT, the VAT, and the payable (shifted where ``doc`` tampers)."""
    totals = doc.totals()
    return totals.tax_exclusive, totals.tax, doc.tamper.get("payable", totals.payable)


def total_rows(doc: DocSpec) -> list[tuple[str, str]]:
    """The plain layout's totals, label and amount."""
    labels = ("Beløb i alt ekskl. moms", f"Moms {fmt_qty(vat_rate(doc))} %", f"I alt {doc.currency}")
    return [(label, amount_da(value)) for label, value in zip(labels, total_amounts(doc), strict=True)]


def payment_text(doc: DocSpec) -> str | None:
    """The plain layout's payment line: bank account (42), FIK (93) or IBAN (31); None otherwise."""
    pay = doc.payment
    if pay.code == "42":
        return f"Betales til: Reg.nr. {pay.branch} Kontonr. {pay.account}"
    if pay.code == "93":
        return f"Betales med FIK: +{pay.fik_kind}<{pay.fik_id}+{pay.account}<"
    if pay.code == "31":
        return f"IBAN: {pay.account} BIC: {pay.branch}"
    return None


def terms_text(doc: DocSpec) -> str:
    return f"Betalingsbetingelser: netto {doc.payment_terms_days} dage"
