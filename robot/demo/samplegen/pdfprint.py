"""Print a sample document as a PDF invoice without e-invoice XML, the way small suppliers send them.

The layout is a plain Danish invoice (Faktura, CVR-nr., EAN-nr., Att., Ordrenr., lines, Moms 25 %,
I alt DKK, bank or FIK details); ``samples/pdf-templates`` holds the template that reads it back.
The output is deterministic for a given fpdf2 version (the creation date is the issue date), so
``make-samples`` reproduces the committed files. fpdf2 is a development dependency, imported only
when a PDF is printed.
"""

from __future__ import annotations

from robot.demo.samplegen.documents import DocSpec
from robot.demo.samplegen.printsheet import (
    fpdf_page,
    invoice_facts,
    line_cells,
    payment_text,
    terms_text,
    total_rows,
)


def render(doc: DocSpec) -> bytes:
    """The PDF bytes of ``doc`` (one page, core fonts, Latin-1 text)."""
    pdf = fpdf_page(doc)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, doc.seller.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    s = doc.seller
    for text in (s.street, f"{s.zip} {s.city}", f"CVR-nr.: {s.cvr}"):
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    b = doc.buyer
    left = [b.name, b.street, f"{b.zip} {b.city}", f"EAN-nr.: {doc.ean}"]
    right = invoice_facts(doc)
    for i in range(max(len(left), len(right))):
        pdf.cell(95, 5, left[i] if i < len(left) else "")
        label, value = right[i] if i < len(right) else ("", "")
        pdf.cell(35, 5, label)
        pdf.cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "Kreditnota" if doc.credit_note else "Faktura", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 9)
    widths = (12, 22, 70, 16, 14, 26, 30)
    heads = ("Pos.", "Varenr.", "Beskrivelse", "Antal", "Enhed", "Stykpris", "Beløb")
    for w, h in zip(widths, heads, strict=True):
        pdf.cell(w, 6, h, align="R" if h in ("Antal", "Stykpris", "Beløb") else "L")
    pdf.ln(7)
    pdf.set_font("Helvetica", "", 9)
    for ln in doc.lines:
        cells = (ln.id, *line_cells(ln))
        for w, text, col in zip(widths, cells, range(7), strict=True):
            pdf.cell(w, 5, text, align="R" if col in (3, 5, 6) else "L")
        pdf.ln(5)
    pdf.ln(4)
    for label, value in total_rows(doc):
        pdf.cell(130, 5, "")
        pdf.cell(34, 5, label)
        pdf.cell(26, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    payment = payment_text(doc)
    if payment is not None:
        pdf.cell(0, 5, payment, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, terms_text(doc), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
