"""invoice2data's ``area``: the text of one box of the page, for the fields that name one.

invoice2data runs ``pdftotext -layout -f F -l L -r R -x X -y Y -W W -H H`` for such a field and
searches that text, not the prepared text of the whole document. The robot crops the same box with
pdfplumber (``x``, ``y``, ``W`` and ``H`` are pixels at ``r`` dots per inch, so points are
``value * 72 / r``) and lays the crop out as the whole page is laid out. A box outside the page
gives no text, so the field is not found; it never falls back to another part of the page.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from robot.errors import ReadError
from robot.pdftext.template_file import Area

AreaText = Callable[[Area], str]
MAX_AREA_PAGES = 50


def area_reader(content: bytes, filename: str = "<bytes>") -> AreaText:
    """A function giving the text of an area of this PDF (each area read once)."""
    cache: dict[Area, str] = {}

    def text_of(area: Area) -> str:
        if area not in cache:
            cache[area] = crop_text(content, area, filename)
        return cache[area]

    return text_of


def crop_text(content: bytes, area: Area, filename: str = "<bytes>") -> str:
    import pdfplumber

    scale = 72 / area.r
    box = (area.x * scale, area.y * scale, (area.x + area.W) * scale, (area.y + area.H) * scale)
    texts: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            last = min(area.l, len(pdf.pages), area.f + MAX_AREA_PAGES - 1)
            for page in pdf.pages[area.f - 1 : last]:
                x0, top, x1, bottom = page.bbox
                clipped = (max(box[0], x0), max(box[1], top), min(box[2], x1), min(box[3], bottom))
                if clipped[0] >= clipped[2] or clipped[1] >= clipped[3]:
                    continue
                texts.append(page.crop(clipped).extract_text(layout=True) or "")
    except Exception as exc:
        raise ReadError(
            f"the text of a template area cannot be extracted ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None
    return "\n".join(line.rstrip() for text in texts for line in text.splitlines())
