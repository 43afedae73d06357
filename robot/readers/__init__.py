"""Document readers: bytes in, canonical :class:`~robot.model.Invoice` out, or a ReadError.

``read_document`` detects the syntax from the root element's namespace and the
CustomizationID/ProfileID, then hands the parsed tree to one reader per syntax family:

==========================  ====================================================  ===============
root                        identified by                                         format
==========================  ====================================================  ===============
UBL Invoice / CreditNote    CustomizationID ``OIOUBL-2.x``                        ``oioubl-2``
UBL Invoice / CreditNote    ProfileID ``urn:fdc:oioubl.dk:bis:`` or "oioubl"      ``oioubl-3``
UBL Invoice / CreditNote    CustomizationID ``urn:cen.eu:en16931:2017#compliant``  ``peppol-bis3``
                            ``#urn:fdc:peppol.eu:2017:poacc:billing:3.0``
UBL Invoice / CreditNote    anything else                                         ``en16931-ubl``
CII CrossIndustryInvoice    namespace ``...:CrossIndustryInvoice:100``            ``cii``
PDF                         ``%PDF`` with embedded Factur-X/ZUGFeRD XML           ``cii``
PDF                         ``%PDF`` without, read by a template (robot.pdftext)  ``pdf-text``
PDF                         ``%PDF`` without, no template matches: layout reader ``pdf-layout``
==========================  ====================================================  ===============

A Peppol Standard Business Document (SBDH) envelope is unwrapped. Only
:class:`~robot.errors.ReadError` ever escapes (file, field, expected are set).

    >>> inv = read_document(b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')
    >>> inv.format, inv.number
    (<SourceFormat.EN16931_UBL: 'en16931-ubl'>, None)
    >>> order = b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>"
    >>> read_document(order, "o.xml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: o.xml: the document is a UBL Order (root element Order...), not a supported...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from robot.codes import SourceFormat
from robot.errors import ReadError

if TYPE_CHECKING:
    from robot.model import Invoice
    from robot.pdftext import TemplateSet
    from robot.readers.detect import PEPPOL_BIS3_ID
    from robot.readers.xmlsafe import MAX_BYTES, parse_xml

__all__ = ["MAX_BYTES", "PEPPOL_BIS3_ID", "detect_format", "is_pdf", "parse_xml", "read_document"]

#: the names this package re-exports, loaded when first asked for: importing a module of the
#: package (the reader sandbox's supervisor, the limits) does not load lxml and every reader
_LAZY = {
    "PEPPOL_BIS3_ID": "robot.readers.detect",
    "MAX_BYTES": "robot.readers.xmlsafe",
    "parse_xml": "robot.readers.xmlsafe",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_document(
    content: bytes, filename: str = "<bytes>", pdf_templates: TemplateSet | None = None
) -> Invoice:
    """Read one invoice document (UBL, OIOUBL 2.x/3, Peppol BIS 3, CII, Factur-X PDF, printed PDF).

    A PDF without embedded XML is read from its text (OCR for a scan) by ``pdf_templates``, or,
    when none matches or none is configured, without a template (robot.pdftext.printed).
    """
    with _only_read_errors(filename, "the document could not be read"):
        return _read(content, filename, pdf_templates)


@contextmanager
def _only_read_errors(filename: str, failed: str) -> Iterator[None]:
    """Let only a ReadError naming ``filename`` escape: one without a file gets it, any other
    exception (a reader's bug) becomes one saying ``failed`` and what was raised."""
    try:
        yield
    except ReadError as err:
        raise err if err.file else err.with_file(filename) from None
    except Exception as exc:  # a bug must not escape as a traceback
        raise ReadError(
            f"{failed} ({type(exc).__name__}: {exc})", file=filename, expected="a readable e-invoice"
        ) from exc


def _read(content: bytes, filename: str, pdf_templates: TemplateSet | None = None) -> Invoice:
    if is_pdf(content):
        from robot.readers.pdf import MAX_PDF_BYTES, embedded_xml

        if len(content) > MAX_PDF_BYTES:
            raise ReadError(
                f"the PDF is {len(content):,} bytes, more than the limit of {MAX_PDF_BYTES:,} bytes",
                file=filename,
                expected=f"at most {MAX_PDF_BYTES:,} bytes",
            )

        found = embedded_xml(bytes(content), filename)
        if found is None:
            from robot.pdftext.printed import read_printed

            return read_printed(bytes(content), filename, pdf_templates)
        xml, name = found
        inv = _read(xml, f"{filename}#{name}")
        inv.notes.append(f"read from the XML embedded in the PDF ({name})")
        return inv
    from robot.readers.detect import document_root, format_of
    from robot.readers.nodes import Node
    from robot.readers.xmlsafe import parse_xml

    root = document_root(parse_xml(content, filename))
    fmt = format_of(root)
    if fmt is SourceFormat.CII:
        from robot.readers.cii import read_cii

        return read_cii(Node(root))
    if fmt is SourceFormat.OIOUBL_2:
        from robot.readers.oioubl2 import read_oioubl2

        return read_oioubl2(Node(root))
    from robot.readers.ubl import read_ubl

    return read_ubl(Node(root), fmt)


def is_pdf(content: bytes) -> bool:
    """Whether ``content`` is a PDF (``%PDF`` within its first 1,024 bytes, after white space)."""
    return isinstance(content, bytes | bytearray) and bytes(content[:1024]).lstrip().startswith(b"%PDF")


def detect_format(content: bytes, filename: str = "<bytes>") -> SourceFormat:
    """The syntax of ``content`` (``pdf`` for any PDF), or a ReadError when it is no e-invoice."""
    with _only_read_errors(filename, "the document format could not be detected"):
        if is_pdf(content):
            return SourceFormat.PDF
        from robot.readers.detect import document_root, format_of
        from robot.readers.xmlsafe import parse_xml

        return format_of(document_root(parse_xml(content, filename)))
