"""PDF intake: find the Factur-X / ZUGFeRD / XRechnung XML embedded in a PDF.

A PDF without an embedded e-invoice XML gives ``None``: its printed text is read by a template
(:mod:`robot.pdftext`).

    >>> embedded_xml(b"%PDF-1.4 not really a pdf", "x.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: x.pdf: the PDF cannot be opened ...
"""

from __future__ import annotations

import io

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from robot.errors import ReadError

MAX_PDF_BYTES = 50 * 1024 * 1024  # an invoice PDF is rarely over a few MB; a bigger one is refused unread
PREFERRED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd_invoice.xml")


def embedded_xml(content: bytes, filename: str = "<bytes>") -> tuple[bytes, str] | None:
    """The embedded invoice XML and its attachment name (Factur-X names first, then any ``*.xml``)."""
    files = _attachments(content, filename)
    by_name = {name.lower(): (name, data) for name, data in files}
    for preferred in PREFERRED_NAMES:
        if preferred in by_name:
            name, data = by_name[preferred]
            return data, name
    for name, data in files:
        if name.lower().endswith(".xml"):
            return data, name
    return None


def _attachments(content: bytes, filename: str) -> list[tuple[str, bytes]]:
    """Every file in the PDF's EmbeddedFiles name tree, via pdfminer (a pdfplumber dependency)."""
    try:
        document = PDFDocument(PDFParser(io.BytesIO(content)))
        names = resolve1(document.catalog.get("Names"))
        tree = resolve1(names.get("EmbeddedFiles")) if isinstance(names, dict) else None
        found: list[tuple[str, bytes]] = []
        _walk(tree, found, depth=0)
        return found
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(
            f"the PDF cannot be opened ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None


def _walk(node: object, found: list[tuple[str, bytes]], depth: int) -> None:
    """Collect the files of one node of the EmbeddedFiles name tree (and its kids)."""
    resolve = resolve1
    node = resolve(node)
    if not isinstance(node, dict) or depth > 16:
        return
    for kid in resolve(node.get("Kids")) or []:
        _walk(kid, found, depth + 1)
    pairs = resolve(node.get("Names")) or []
    for i in range(0, len(pairs) - 1, 2):
        name = resolve(pairs[i])
        spec = resolve(pairs[i + 1])
        if not isinstance(spec, dict):
            continue
        stream = resolve(resolve(spec.get("EF") or {}).get("F"))
        if stream is None:
            continue
        label = resolve(spec.get("UF") or spec.get("F") or name)
        found.append((_text(label), stream.get_data()))


def _text(value: object) -> str:
    """A PDF text string (PDFDocEncoding or UTF-16 with BOM) as str."""
    return decode_text(value) if isinstance(value, bytes) else str(value)
