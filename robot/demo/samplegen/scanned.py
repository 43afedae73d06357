"""A sample invoice as a scanner sends it: page images in a PDF, no text layer at all.

:func:`render` draws the same plain Danish invoice as :mod:`robot.demo.samplegen.pdfprint`
(Faktura, CVR-nr., Fakturanr., lines, Moms 25 %, I alt DKK, payment details) onto a grayscale
A4 page at :data:`DPI`, with Pillow's built-in font (Aileron, shipped inside Pillow, so no system
font is involved), and wraps the image in a one-page PDF written here (:func:`image_pdf`: a page
with one Flate-compressed image, no dates, no ids). The robot finds no text in it and reads it
by OCR (:mod:`robot.pdftext.ocr`). The bytes are the same on every generation for a given Pillow
version (its FreeType draws the glyphs); Pillow is installed with fpdf2, the sample PDFs'
development dependency, and imported only when a scan is drawn. :func:`add_scanned` puts one
such invoice, from a supplier without a template, into the sample set: OCR'd, it is held for a
check (``PDF-OCR``)::

    >>> pdf = image_pdf([(1, 1, b"\\x00")], dpi=72)
    >>> pdf[:8], b"/DCTDecode" in pdf, b"/FlateDecode" in pdf
    (b'%PDF-1.4', False, True)
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from robot.demo.samplegen.builder import Builder
from robot.demo.samplegen.documents import DocSpec
from robot.demo.samplegen.printsheet import invoice_facts, line_cells, payment_text, terms_text, total_rows
from robot.demo.samplegen.scenarios_base import LIMIT_NET

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

DPI = 200
"""Scan resolution of the sample (a common office-scanner setting; OCR reads it well)."""

A4_MM = (210, 297)
SCANNER = "K10008"  # Laboratorieudstyr Danmark A/S: no template, a scan from its paper invoice


def invoice_lines(doc: DocSpec) -> list[tuple[float, float, str, int, str]]:
    """What the page prints: ``(x mm, y mm, text, size pt, align)``, align ``L`` or ``R`` at x."""
    s, b = doc.seller, doc.buyer
    out: list[tuple[float, float, str, int, str]] = [(15, 15, s.name, 16, "L")]
    y = 24.0
    for text in (s.street, f"{s.zip} {s.city}", f"CVR-nr.: {s.cvr}"):
        out.append((15, y, text, 10, "L"))
        y += 5.5
    y += 8
    left = [b.name, b.street, f"{b.zip} {b.city}", f"EAN-nr.: {doc.ean}"]
    right = invoice_facts(doc)
    for i in range(max(len(left), len(right))):
        if i < len(left):
            out.append((15, y, left[i], 10, "L"))
        if i < len(right):
            out.append((115, y, right[i][0], 10, "L"))
            out.append((148, y, right[i][1], 10, "L"))
        y += 5.5
    y += 8
    out.append((15, y, "Kreditnota" if doc.credit_note else "Faktura", 14, "L"))
    y += 10
    columns = ((15, "L"), (28, "L"), (50, "L"), (132, "R"), (135, "L"), (170, "R"), (195, "R"))
    heads = ("Pos.", "Varenr.", "Beskrivelse", "Antal", "Enhed", "Stykpris", "Beløb")
    for (x, align), head in zip(columns, heads, strict=True):
        out.append((x, y, head, 9, align))
    y += 7
    for ln in doc.lines:
        for (x, align), text in zip(columns, (ln.id, *line_cells(ln)), strict=True):
            out.append((x, y, text, 9, align))
        y += 5.5
    y += 6
    for label, value in total_rows(doc):
        out.append((120, y, label, 10, "L"))
        out.append((195, y, value, 10, "R"))
        y += 5.5
    y += 10
    payment = payment_text(doc)
    if payment is not None:
        out.append((15, y, payment, 10, "L"))
    y += 5.5
    out.append((15, y, terms_text(doc), 10, "L"))
    return out


def draw_page(lines: Sequence[tuple[float, float, str, int, str]], dpi: int = DPI) -> Image.Image:
    """An A4 grayscale page image with ``lines`` drawn in black on a faintly grey scanner white."""
    from PIL import Image, ImageDraw, ImageFont

    px = dpi / 25.4
    image = Image.new("L", (round(A4_MM[0] * px), round(A4_MM[1] * px)), 246)
    draw = ImageDraw.Draw(image)
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
    for x, y, text, size, align in lines:
        font = fonts.get(size)
        if font is None:
            font = fonts[size] = ImageFont.load_default(size=round(size * dpi / 72))
        width = _text_width(text, font)
        _draw_text(draw, (x * px - (width if align == "R" else 0), y * px), text, font)
    return image


_LIGATURES = {"æ": ("a", "e", 0.72), "Æ": ("A", "E", 0.62)}
_MARKED = {"ø": ("o", "slash"), "Ø": ("O", "slash"), "å": ("a", "ring"), "Å": ("A", "ring")}
_INK = 20


def _pieces(text: str) -> list[str]:
    """``text`` cut into runs of characters the built-in font has, and single Danish letters."""
    return [p for p in re.split(r"([æøåÆØÅ])", text) if p]


def _text_width(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> float:
    width = 0.0
    for piece in _pieces(text):
        if piece in _LIGATURES:
            first, second, overlap = _LIGATURES[piece]
            width += font.getlength(first) * overlap + font.getlength(second)
        elif piece in _MARKED:
            width += font.getlength(_MARKED[piece][0])
        else:
            width += font.getlength(piece)
    return width


def _draw_text(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    """``text`` at ``at`` (left, top); æøå drawn from the font's a, e, o and a stroke or ring.

    Pillow's built-in font covers ASCII only; composing the three Danish letters keeps the
    sample free of system fonts, so its bytes do not depend on the machine that made them.
    """
    x, y = at
    for piece in _pieces(text):
        if piece in _LIGATURES:
            first, second, overlap = _LIGATURES[piece]
            draw.text((x, y), first, fill=_INK, font=font, anchor="la")
            x += font.getlength(first) * overlap
            draw.text((x, y), second, fill=_INK, font=font, anchor="la")
            x += font.getlength(second)
            continue
        if piece in _MARKED:
            base, mark = _MARKED[piece]
            draw.text((x, y), base, fill=_INK, font=font, anchor="la")
            left, top, right, bottom = font.getbbox(base, anchor="la")
            stroke = max(1, round((bottom - top) / 9))
            if mark == "slash":
                draw.line(
                    (x + left - stroke, y + bottom + stroke, x + right + stroke, y + top - stroke),
                    fill=_INK,
                    width=stroke,
                )
            else:
                radius = (right - left) * 0.2
                cx, cy = x + (left + right) / 2, y + top - radius * 1.6
                draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=_INK, width=stroke)
            x += font.getlength(base)
            continue
        draw.text((x, y), piece, fill=_INK, font=font, anchor="la")
        x += font.getlength(piece)


def render(doc: DocSpec) -> bytes:
    """The scanned PDF of ``doc``: one A4 page image at :data:`DPI`, no text layer."""
    image = draw_page(invoice_lines(doc))
    return image_pdf([(image.width, image.height, image.tobytes())], dpi=DPI)


def image_pdf(pages: Sequence[tuple[int, int, bytes]], dpi: int) -> bytes:
    """A PDF with one 8-bit grayscale image per page, ``(width, height, pixels)``, filling the page.

    Nothing else is on a page (no fonts, no text), nothing varies (no dates, no ids): the PDF a
    scanner writes, in its simplest form.
    """
    objects: list[bytes] = []  # object n is objects[n - 1]
    kids = [3 + 3 * i for i in range(len(pages))]
    packed: dict[bytes, bytes] = {}  # a page image repeated is compressed once
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(pages))
    )
    for i, (width, height, pixels) in enumerate(pages):
        if len(pixels) != width * height:
            raise ValueError(f"page {i + 1}: {len(pixels)} bytes for a {width}x{height} gray image")
        content, image = kids[i] + 1, kids[i] + 2
        w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
            b"/Resources << /XObject << /Im%d %d 0 R >> >> >>" % (w_pt, h_pt, content, i, image)
        )
        draw = b"q %.2f 0 0 %.2f 0 0 cm /Im%d Do Q" % (w_pt, h_pt, i)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw))
        data = packed.get(pixels) or packed.setdefault(pixels, zlib.compress(pixels, 9))
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (width, height, len(data), data)
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def add_scanned(b: Builder) -> None:
    """The sample set's scanned invoice: read by OCR, so held for a check whatever it says."""
    doc = b.doc("pdf-scan", "SFE", SCANNER, max_net=LIMIT_NET["SFE"])
    b.order_for(doc)
    b.add(
        "pdf-scanned",
        "pdf-scanned",
        doc,
        "hold",
        "OTH",
        "Scannet PDF uden tekst: læst med OCR (kan være læst forkert), holdes til kontrol mod PDF'en",
        "Scanned PDF without text: read by OCR (it may be misread), held for a check against the PDF",
    )
