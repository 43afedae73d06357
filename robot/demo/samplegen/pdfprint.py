"""Print a sample document as a PDF invoice without e-invoice XML, the way small suppliers send them.

The layout is a plain Danish invoice (Faktura, CVR-nr., EAN-nr., Att., Ordrenr., lines, Moms 25 %,
I alt DKK, bank or FIK details); ``samples/pdf-templates`` holds the template that reads it back.
The output is deterministic for a given fpdf2 version (the creation date is the issue date), so
``make-samples`` reproduces the committed files. fpdf2 is a development dependency, imported only
when a PDF is printed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from robot.demo.samplegen.documents import DocSpec, fmt_qty
from robot.processing.notices import amount_da

UNIT_TEXT = {"EA": "stk.", "HUR": "timer", "H87": "stk.", "DAY": "dage", "KGM": "kg", "LTR": "l"}


def _date(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def render(doc: DocSpec) -> bytes:
    """The PDF bytes of ``doc`` (one page, core fonts, Latin-1 text)."""
    from fpdf import FPDF

    totals = doc.totals()
    payable = doc.tamper.get("payable", totals.payable)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.combine(doc.issue_date, time(12), tzinfo=UTC))
    pdf.set_title(f"Faktura {doc.number}")
    pdf.set_producer("fakturarobot samplegen")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, doc.seller.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    s = doc.seller
    for text in (s.street, f"{s.zip} {s.city}", f"CVR-nr.: {s.cvr}"):
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    b = doc.buyer
    left = [b.name, b.street, f"{b.zip} {b.city}", f"EAN-nr.: {doc.ean}"]
    right = [
        ("Fakturanr.:", doc.number),
        ("Fakturadato:", _date(doc.issue_date)),
        ("Forfaldsdato:", _date(doc.due_date)),
        ("Ordrenr.:", doc.order_ref or ""),
        ("Att.:", doc.person_ref or ""),
    ]
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
        cells = (
            ln.id,
            ln.item.id,
            ln.item.name,
            fmt_qty(ln.quantity).replace(".", ","),
            UNIT_TEXT.get(ln.item.unit, ln.item.unit),
            amount_da(ln.unit_price),
            amount_da(ln.net),
        )
        for w, text, col in zip(widths, cells, range(7), strict=True):
            pdf.cell(w, 5, text, align="R" if col in (3, 5, 6) else "L")
        pdf.ln(5)
    pdf.ln(4)
    rate = doc.lines[0].item.rate if doc.lines else Decimal(25)
    rows = [
        ("Beløb i alt ekskl. moms", amount_da(totals.tax_exclusive)),
        (f"Moms {fmt_qty(rate)} %", amount_da(totals.tax)),
        (f"I alt {doc.currency}", amount_da(payable)),
    ]
    for label, value in rows:
        pdf.cell(130, 5, "")
        pdf.cell(34, 5, label)
        pdf.cell(26, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pay = doc.payment
    if pay.code == "42":
        pdf.cell(
            0, 5, f"Betales til: Reg.nr. {pay.branch} Kontonr. {pay.account}", new_x="LMARGIN", new_y="NEXT"
        )
    elif pay.code == "93":
        pdf.cell(
            0,
            5,
            f"Betales med FIK: +{pay.fik_kind}<{pay.fik_id}+{pay.account}<",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    elif pay.code == "31":
        pdf.cell(0, 5, f"IBAN: {pay.account} BIC: {pay.branch}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0, 5, f"Betalingsbetingelser: netto {doc.payment_terms_days} dage", new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())
