"""PDF intake: refuse PDFs built to blow a reader up, and find the Factur-X / ZUGFeRD / XRechnung XML.

A PDF without an embedded e-invoice XML gives ``None``: its printed text is read by a template
(:mod:`robot.pdftext`).

Before anything is extracted, :func:`check_pdf` looks at the document's structure, cheaply, and
refuses with a :class:`~robot.errors.ReadError` what pdfminer/pdfplumber would turn into gigabytes:
a page larger than :data:`~robot.readers.limits.MAX_PAGE_SIDE` (pdfplumber lays text out on a grid
the size of the page), a stream that decompresses to more than
:data:`~robot.readers.limits.MAX_STREAM_BYTES` or all of them together to more than
:data:`~robot.readers.limits.MAX_DECODED_BYTES` (a Flate bomb), more than
:data:`~robot.readers.limits.MAX_EMBEDDED_FILES` embedded files, more than
:data:`~robot.readers.limits.MAX_PDF_OBJECTS` objects. Sizes are measured by decompressing in
bounded steps, never by trusting ``/Length``. What is not caught here is caught by the memory and
CPU limits of the sandbox the robot reads in (:mod:`robot.readers.sandbox`).

    >>> embedded_xml(b"%PDF-1.4 not really a pdf", "x.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: x.pdf: the PDF cannot be opened ...

The package: :mod:`~robot.readers.pdf.structure` (pages and objects within the limits),
:mod:`~robot.readers.pdf.decode` (a stream's decompressed size, measured in bounded steps) and
:mod:`~robot.readers.pdf.attachments` (the files in the EmbeddedFiles name tree).
"""

from __future__ import annotations

import io

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, resolve1

from robot.errors import ReadError
from robot.readers.limits import MAX_DOCUMENT_BYTES
from robot.readers.pdf.attachments import walk
from robot.readers.pdf.structure import check_objects, check_pages

MAX_PDF_BYTES = MAX_DOCUMENT_BYTES  # a bigger PDF is refused unread
PREFERRED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd_invoice.xml")


def embedded_xml(content: bytes, filename: str = "<bytes>") -> tuple[bytes, str] | None:
    """The embedded invoice XML and its attachment name (Factur-X names first, then any ``*.xml``).

    The PDF is checked first (:func:`check_pdf`); only the chosen attachment is decompressed.
    """
    files = _attachments(content, filename)
    by_name = {name.lower(): (name, stream) for name, stream in files}
    chosen: tuple[str, PDFStream] | None = None
    for preferred in PREFERRED_NAMES:
        if preferred in by_name:
            chosen = by_name[preferred]
            break
    else:
        chosen = next(((n, s) for n, s in files if n.lower().endswith(".xml")), None)
    if chosen is None:
        return None
    name, stream = chosen
    try:
        return stream.get_data(), name
    except MemoryError:
        raise
    except Exception as exc:
        raise ReadError(
            f"the XML embedded in the PDF ({name}) cannot be decompressed ({type(exc).__name__}: {exc})",
            file=filename,
            field="EmbeddedFiles",
            expected="a readable PDF",
        ) from None


def check_pdf(content: bytes, filename: str = "<bytes>") -> None:
    """Refuse, with a ReadError, a PDF whose pages, streams or objects are beyond the limits."""
    _open(content, filename)


def _open(content: bytes, filename: str) -> tuple[PDFDocument, list[tuple[str, PDFStream]]]:
    """The parsed document and its embedded files, after the structural checks."""
    if len(content) > MAX_PDF_BYTES:
        raise ReadError(
            f"the PDF is {len(content):,} bytes, more than the limit of {MAX_PDF_BYTES:,} bytes",
            file=filename,
            expected=f"at most {MAX_PDF_BYTES:,} bytes",
        )
    try:
        document = PDFDocument(PDFParser(io.BytesIO(content)))
        check_pages(document, filename)
        names = resolve1(document.catalog.get("Names"))
        tree = resolve1(names.get("EmbeddedFiles")) if isinstance(names, dict) else None
        files: list[tuple[str, PDFStream]] = []
        walk(tree, files, depth=0, seen=set(), filename=filename)
        check_objects(document, filename)
        return document, files
    except (ReadError, MemoryError):
        raise
    except Exception as exc:
        raise ReadError(
            f"the PDF cannot be opened ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None


def _attachments(content: bytes, filename: str) -> list[tuple[str, PDFStream]]:
    """Every file in the PDF's EmbeddedFiles name tree (its stream, not yet decompressed)."""
    return _open(content, filename)[1]


__all__ = ["MAX_PDF_BYTES", "PREFERRED_NAMES", "check_pdf", "embedded_xml"]
