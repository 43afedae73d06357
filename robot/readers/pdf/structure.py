"""A PDF's pages and objects within the limits: page sides, object count, decompressed stream sizes.

Objects stored directly are measured first, so an object stream (itself such an object) is measured
before pdfminer decompresses it to find the objects inside.
"""

from __future__ import annotations

import itertools
import math

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import LIT

from robot.errors import ReadError
from robot.readers.limits import MAX_DECODED_BYTES, MAX_PAGE_SIDE, MAX_PDF_OBJECTS, MiB
from robot.readers.pdf.decode import decoded_size

_IMAGE = LIT("Image")


def check_pages(document: PDFDocument, filename: str) -> None:
    """Every page's MediaBox and CropBox at most MAX_PAGE_SIDE a side (pdfplumber lays text out on
    a grid the size of the page)."""
    for number, page in enumerate(PDFPage.create_pages(document), 1):
        for box_name, box in (("MediaBox", page.mediabox), ("CropBox", page.cropbox)):
            width, height = abs(box[2] - box[0]), abs(box[3] - box[1])
            if not (width <= MAX_PAGE_SIDE and height <= MAX_PAGE_SIDE):
                raise ReadError(
                    f"page {number} is {_points(width)} × {_points(height)} points ({box_name}), larger than "
                    f"the limit of {MAX_PAGE_SIDE:,.0f} points a side",
                    file=filename,
                    field=box_name,
                    expected=f"pages at most {MAX_PAGE_SIDE:,.0f} × {MAX_PAGE_SIDE:,.0f} points (200 inches)",
                )


def _points(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else str(value)


def _object_ids(document: PDFDocument, filename: str) -> list[int]:
    """Every object id in the cross-reference tables, refusing more than MAX_PDF_OBJECTS."""
    ids: set[int] = set()
    for xref in document.xrefs:
        ids.update(itertools.islice(xref.get_objids(), MAX_PDF_OBJECTS + 1))
        if len(ids) > MAX_PDF_OBJECTS:
            raise ReadError(
                f"the PDF has more than {MAX_PDF_OBJECTS:,} objects",
                file=filename,
                expected=f"at most {MAX_PDF_OBJECTS:,} objects",
            )
    return sorted(ids)


def _in_object_stream(document: PDFDocument, objid: int) -> bool:
    for xref in document.xrefs:
        try:
            strmid, _, _ = xref.get_pos(objid)
        except KeyError:
            continue
        return strmid is not None
    return False


def check_objects(document: PDFDocument, filename: str) -> None:
    """Every non-image stream decompresses to at most MAX_STREAM_BYTES, all of them to MAX_DECODED_BYTES.

    Objects stored directly are checked first, so an object stream (itself such an object) is
    measured before pdfminer decompresses it to find the objects inside.
    """
    ids = _object_ids(document, filename)
    packed = {i for i in ids if _in_object_stream(document, i)}
    direct = [i for i in ids if i not in packed]
    total = 0
    for objid in itertools.chain(direct, sorted(packed)):
        try:
            obj = document.getobj(objid)
        except (MemoryError, ReadError):
            raise
        except Exception:
            continue  # a broken object: pdfminer skips it too
        if not isinstance(obj, PDFStream) or resolve1(obj.get("Subtype")) is _IMAGE:
            continue
        size = decoded_size(obj, filename)
        total += size
        if total > MAX_DECODED_BYTES:
            raise ReadError(
                f"the PDF's streams decompress to more than {MAX_DECODED_BYTES // MiB} MiB together",
                file=filename,
                field="Filter",
                expected=f"at most {MAX_DECODED_BYTES // MiB} MiB of decompressed content",
            )
