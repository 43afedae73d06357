"""PDFs written here byte by byte, for tests of what a reader does with an odd or hostile one.

:func:`pdf` lays out numbered objects with their cross-reference table; :func:`page_pdf` is one
page showing a content stream in Helvetica::

    >>> page_pdf(b"BT /F1 12 Tf 72 720 Td (Faktura) Tj ET")[:8]
    b'%PDF-1.7'
"""

from __future__ import annotations


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of these object bodies (object ``i + 1`` is ``objects[i]``; 1 is the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, attrs: bytes = b"") -> bytes:
    """A stream object of ``data``, ``attrs`` (a filter, a type) in its dictionary."""
    return b"<< /Length %d %s >>\nstream\n" % (len(data), attrs) + data + b"\nendstream"


def page_pdf(content: bytes, mediabox: bytes = b"[0 0 595 842]", attrs: bytes = b"") -> bytes:
    """One page showing ``content`` in Helvetica."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            stream(content, attrs),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )
