"""Printed PDF invoices from suppliers without a template, each laid out its own way.

Three Danish suppliers send PDFs for which ``samples/pdf-templates`` has no template: Trykkeriet
Fyn ApS (seller block top left, buyer under "Faktureres til", FIK line), Vagt & Sikring A/S (the
seller's CVR and bank details in the footer, buyer under "Kunde") and Byggemarked Syd ApS (label
and value columns, "Momsgrundlag", "At betale"). The robot reads them without a template
(:mod:`robot.pdftext.layout`, format ``pdf-layout``) and holds them for a check with the values
found (``PDF-LAYOUT``); ``fakturarobot show`` lists each value's evidence. Deterministic like
:mod:`robot.demo.samplegen.pdfprint` (the creation date is the issue date)::

    >>> sorted(LAYOUTS)
    ['K10009', 'K10010', 'K10012']
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from robot.demo.samplegen.builder import Builder
from robot.demo.samplegen.documents import DocSpec, fmt_qty
from robot.demo.samplegen.printsheet import date_da, fpdf_page, line_cells, total_amounts, vat_rate
from robot.demo.samplegen.scenarios_base import LIMIT_NET
from robot.processing.notices import amount_da

if TYPE_CHECKING:
    from fpdf import FPDF

FORMAT = "pdf-layout"  # DocSpec.fmt of these documents, and the format the robot reads them as


def _d(day: date) -> str:
    return date_da(day, ".")


def _row(pdf: FPDF, cells: list[tuple[float, str, str]], height: float = 5) -> None:
    for width, text, align in cells:
        pdf.cell(width, height, text, align=align)
    pdf.ln(height)


def _lines(pdf: FPDF, doc: DocSpec, heads: tuple[str, ...]) -> None:
    widths = (16, 88, 18, 16, 26, 26)
    pdf.set_font("Helvetica", "B", 9)
    _row(
        pdf,
        [
            (w, h, "R" if i >= 2 and i != 3 else "L")
            for i, (w, h) in enumerate(zip(widths, heads, strict=True))
        ],
    )
    pdf.set_font("Helvetica", "", 9)
    for ln in doc.lines:
        cells = line_cells(ln)
        _row(
            pdf,
            [
                (w, t, "R" if i >= 2 and i != 3 else "L")
                for i, (w, t) in enumerate(zip(widths, cells, strict=True))
            ],
        )
    pdf.ln(4)


def _totals(pdf: FPDF, doc: DocSpec, labels: tuple[str, str, str]) -> None:
    rate = fmt_qty(vat_rate(doc))
    for label, value in zip(labels, total_amounts(doc), strict=True):
        _row(pdf, [(110, "", "L"), (50, label.format(rate=rate), "L"), (30, amount_da(value), "R")])
    pdf.ln(6)


def _trykkeriet(doc: DocSpec) -> bytes:
    """Seller top left, FAKTURA and the invoice's data top right, buyer under "Faktureres til"."""
    pdf = fpdf_page(doc)
    s, b = doc.seller, doc.buyer
    pdf.set_font("Helvetica", "B", 14)
    _row(pdf, [(120, s.name, "L"), (70, "FAKTURA", "R")], 8)
    pdf.set_font("Helvetica", "", 9)
    right = [("Faktura nr.", doc.number), ("Dato", _d(doc.issue_date)), ("Betalingsdato", _d(doc.due_date))]
    left = [s.street, f"{s.zip} {s.city}", f"CVR: {s.cvr}"]
    for (label, value), text in zip(right, left, strict=True):
        _row(pdf, [(120, text, "L"), (35, label, "L"), (35, value, "R")])
    pdf.ln(10)
    for text in ("Faktureres til:", b.name, b.street, f"{b.zip} {b.city}", f"EAN: {doc.ean}"):
        _row(pdf, [(120, text, "L")])
    _row(pdf, [(120, f"Deres ref.: {doc.person_ref or ''}", "L")])
    _row(pdf, [(120, f"Rekvisitionsnr.: {doc.order_ref or ''}", "L")])
    pdf.ln(8)
    _lines(pdf, doc, ("Varenr.", "Tekst", "Antal", "", "Pris", "Beløb"))
    _totals(pdf, doc, ("Momsgrundlag", "Moms {rate}%", "Total DKK"))
    pay = doc.payment
    if pay.code == "93":
        _row(pdf, [(0, f"Indbetalingskort: +{pay.fik_kind}<{pay.fik_id}+{pay.account}<", "L")])
    _row(pdf, [(0, f"Betaling senest {_d(doc.due_date)}. Tak for ordren!", "L")])
    return bytes(pdf.output())


def _vagt(doc: DocSpec) -> bytes:
    """The name in large letters on top; CVR and bank details only in the footer; buyer under "Kunde"."""
    pdf = fpdf_page(doc)
    s, b = doc.seller, doc.buyer
    pdf.set_font("Helvetica", "B", 18)
    _row(pdf, [(0, s.name, "L")], 10)
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 9)
    left = ["Kunde:", b.name, b.street, f"{b.zip} {b.city}", f"EAN-nr. {doc.ean}"]
    right = [
        ("Fakturanummer", doc.number),
        ("Fakturadato", _d(doc.issue_date)),
        ("Forfaldsdato", _d(doc.due_date)),
        ("Ordrenummer", doc.order_ref or ""),
        ("Att.", doc.person_ref or ""),
    ]
    for text, (label, value) in zip(left, right, strict=True):
        _row(pdf, [(110, text, "L"), (40, label, "L"), (40, value, "L")])
    pdf.ln(10)
    _lines(pdf, doc, ("Nr.", "Ydelse", "Antal", "", "Enhedspris", "I alt"))
    _totals(pdf, doc, ("Subtotal", "Moms {rate} %", "At betale DKK"))
    pdf.set_y(-30)
    pdf.set_font("Helvetica", "", 8)
    pay = doc.payment
    _row(pdf, [(0, f"{s.name}  ·  {s.street}  ·  {s.zip} {s.city}  ·  CVR-nr. {s.cvr}", "C")], 4)
    if pay.code == "42":
        _row(pdf, [(0, f"Bank: Reg.nr. {pay.branch} Kontonr. {pay.account}", "C")], 4)
    return bytes(pdf.output())


def _byggemarked(doc: DocSpec) -> bytes:
    """Label and value columns with colons, the seller's block under "Leverandør"."""
    pdf = fpdf_page(doc)
    s, b = doc.seller, doc.buyer
    pdf.set_font("Helvetica", "B", 14)
    _row(pdf, [(0, "Faktura", "L")], 8)
    pdf.set_font("Helvetica", "", 9)
    pdf.ln(4)
    seller = ["Leverandør:", s.name, s.street, f"{s.zip} {s.city}", f"SE-nr.: {s.cvr}"]
    buyer = ["Modtager:", b.name, b.street, f"{b.zip} {b.city}", f"EAN: {doc.ean}"]
    for left, right in zip(seller, buyer, strict=True):
        _row(pdf, [(95, left, "L"), (95, right, "L")])
    pdf.ln(6)
    for label, value in (
        ("Fakturanr.:", doc.number),
        ("Fakturadato:", _d(doc.issue_date)),
        ("Forfaldsdato:", _d(doc.due_date)),
        ("Ordrenr.:", doc.order_ref or ""),
        ("Att.:", doc.person_ref or ""),
    ):
        _row(pdf, [(40, label, "L"), (60, value, "L")])
    pdf.ln(6)
    _lines(pdf, doc, ("Varenr.", "Beskrivelse", "Antal", "", "Stk.pris", "Beløb"))
    _totals(pdf, doc, ("I alt ekskl. moms", "Moms ({rate} %)", "I alt inkl. moms"))
    _row(pdf, [(0, f"Alle beløb er i {doc.currency}.", "L")])
    pay = doc.payment
    if pay.code == "42":
        _row(pdf, [(0, f"Beløbet indbetales på Reg.nr. {pay.branch} Konto {pay.account}", "L")])
    _row(pdf, [(0, f"Betalingsbetingelser: netto {doc.payment_terms_days} dage", "L")])
    return bytes(pdf.output())


#: The supplier's layout, by vendor number.
LAYOUTS: dict[str, Callable[[DocSpec], bytes]] = {
    "K10009": _trykkeriet,
    "K10010": _vagt,
    "K10012": _byggemarked,
}


def render(doc: DocSpec) -> bytes:
    """The printed PDF of ``doc`` in its supplier's layout (fpdf2, a development dependency); a
    supplier without a layout of its own prints the plain one of :mod:`~robot.demo.samplegen.pdfprint`."""
    layout = LAYOUTS.get(doc.seller.number)
    if layout is None:
        from robot.demo.samplegen import pdfprint

        return pdfprint.render(doc)
    return layout(doc)


def add_untemplated(b: Builder) -> None:
    """One invoice from each supplier without a template: read without one, held for a check."""
    for vendor, customer, slug in (
        ("K10009", "SFE", "fik"),
        ("K10010", "ITD", "footer"),
        ("K10012", "SFE", "columns"),
    ):
        doc = b.doc(FORMAT, customer, vendor, max_net=LIMIT_NET[customer])
        b.order_for(doc)
        b.add(
            f"pdf-untemplated-{slug}",
            "pdf-untemplated",
            doc,
            "hold",
            "OTH",
            "Trykt PDF fra en leverandør uden skabelon: læst uden skabelon, holdes til kontrol af de fundne "
            "værdier",
            "Printed PDF from a supplier without a template: read without one, held for a check of the "
            "values found",
        )
