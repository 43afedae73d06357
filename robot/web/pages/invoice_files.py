"""An invoice's files: the PDF to show in the page, the raw document and the Invoice Response to download.

The file name comes from the supplier (or its source) and is hostile: :func:`disposition` keeps
only what a header may carry (RFC 6266: an ASCII ``filename`` with no quotes, backslashes,
semicolons or control characters, and the full name percent-encoded in ``filename*=UTF-8''``).
Every file is sent with ``X-Content-Type-Options: nosniff`` and a content type from its bytes
(PDF, XML, else ``application/octet-stream``). The PDF alone may be framed, and only by the
console's own pages (``frame-ancestors 'self'``); downloads get a CSP that allows nothing.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from robot.store.repo import Store
from robot.web.deps import User, store_of, viewer
from robot.web.reads.invoice import Download, invoice_response, raw_document

router = APIRouter()

MAX_NAME = 150
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]")
PDF_CSP = "default-src 'none'; frame-ancestors 'self'"
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def safe_name(filename: str, fallback: str) -> str:
    """The last path part of ``filename`` without control, format, quote or separator characters.

    >>> safe_name('a\\r\\nSet-Cookie: x=1;"b.xml', "doc.xml")
    'aSet-Cookie x=1b.xml'
    >>> safe_name("../../etc/passwd", "doc"), safe_name('"\\r\\n', "doc.xml")
    ('passwd', 'doc.xml')
    """
    name = re.split(r"[/\\]", filename)[-1]
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch)[0] not in "CZ" or ch == " "
        if ch not in "\"';:,<>|*?`"
    )
    kept = " ".join(kept.split()).strip(" .")
    return kept[:MAX_NAME] or fallback


def disposition(kind: str, filename: str, fallback: str) -> str:
    """``attachment; filename="..."; filename*=UTF-8''...`` (or ``inline``) for a hostile name.

    >>> disposition("attachment", "Faktura æ\\"1\\".xml", "doc.xml")
    'attachment; filename="Faktura _1.xml"; filename*=UTF-8\\'\\'Faktura%20%C3%A61.xml'
    """
    name = safe_name(filename, fallback)
    plain = _ASCII_UNSAFE.sub("_", name)
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file(download: Download | None, kind: str, fallback: str, csp: str, *, frame: bool = False) -> Response:
    if download is None:
        raise HTTPException(status_code=404, detail="no such file")
    headers = {
        "Content-Disposition": disposition(kind, download.filename, fallback),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": csp,
        "X-Frame-Options": "SAMEORIGIN" if frame else "DENY",
        "Cache-Control": "private, no-store",
    }
    return Response(download.content, media_type=download.content_type, headers=headers)


def _scope(user: User) -> str | None:
    return user.customer_id


@router.get("/invoices/{invoice_id}/document")
def document(invoice_id: int, user: User = Depends(viewer), store: Store = Depends(store_of)) -> Response:
    """The PDF itself, shown inside the invoice page (only PDFs; 404 for XML)."""
    found = raw_document(store, invoice_id, _scope(user))
    if found is None or found.content_type != "application/pdf":
        raise HTTPException(status_code=404, detail="the invoice is not a PDF")
    return _file(found, "inline", f"invoice-{invoice_id}.pdf", PDF_CSP, frame=True)


@router.get("/invoices/{invoice_id}/raw")
def raw(invoice_id: int, user: User = Depends(viewer), store: Store = Depends(store_of)) -> Response:
    """The document exactly as received, to download."""
    found = raw_document(store, invoice_id, _scope(user))
    return _file(found, "attachment", f"invoice-{invoice_id}", DOWNLOAD_CSP)


@router.get("/invoices/{invoice_id}/invoice-response")
def response_xml(invoice_id: int, user: User = Depends(viewer), store: Store = Depends(store_of)) -> Response:
    """The Invoice Response sent for a returned invoice (XML), to download."""
    found = invoice_response(store, invoice_id, _scope(user))
    return _file(found, "attachment", f"invoice-response-{invoice_id}.xml", DOWNLOAD_CSP)
