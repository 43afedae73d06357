"""Receiving: a document is stored (bytes + sha256) before anything else happens to it.

    receipt = receive(session_factory, "folder", doc, run_id=1)
    receipt.invoice_id, receipt.new, receipt.seen_bytes_before

The same receipt (source, source reference, bytes) fetched twice is recognised and not stored
again, which makes fetching safe to repeat after a crash. The same bytes arriving under another
reference are a new receipt of a known document (``seen_bytes_before``): the duplicate rules
decide what that means.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from connectors.base import IncomingDocument
from robot.store.schema import Document, Event, InvoiceRow


@dataclass(frozen=True, slots=True)
class Receipt:
    invoice_id: int
    sha256: str
    new: bool  # False: this exact receipt was stored before (a repeated fetch)
    seen_bytes_before: bool  # the same bytes were already stored under another receipt


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def receive(
    sessions: sessionmaker[Session], source: str, doc: IncomingDocument, run_id: int | None
) -> Receipt:
    """Store the document and its receipt in one transaction; idempotent per receipt."""
    digest = sha256_of(doc.content)
    # a concurrent worker stored the same bytes or receipt: look again, three tries in all
    again_if_raced = Retrying(
        retry=retry_if_exception_type(IntegrityError), stop=stop_after_attempt(3), reraise=True
    )
    return again_if_raced(_receive_once, sessions, source, doc, digest, run_id)


def _receive_once(
    sessions: sessionmaker[Session], source: str, doc: IncomingDocument, digest: str, run_id: int | None
) -> Receipt:
    with sessions.begin() as s:
        document = s.scalars(select(Document).where(Document.sha256 == digest)).one_or_none()
        seen_before = document is not None
        if document is None:
            document = Document(
                sha256=digest, size=len(doc.content), content=doc.content, filename=doc.filename
            )
            s.add(document)
            s.flush()
        existing = s.scalars(
            select(InvoiceRow).where(
                InvoiceRow.source == source,
                InvoiceRow.source_ref == doc.source_ref,
                InvoiceRow.document_id == document.id,
            )
        ).one_or_none()
        if existing is not None:
            return Receipt(existing.id, digest, new=False, seen_bytes_before=True)
        row = InvoiceRow(
            document_id=document.id,
            source=source,
            source_ref=doc.source_ref,
            source_meta=dict(doc.metadata),
            first_run_id=run_id,
            last_run_id=run_id,
        )
        s.add(row)
        s.flush()
        s.add(
            Event(
                invoice_id=row.id,
                run_id=run_id,
                kind="received",
                detail={
                    "source": source,
                    "source_ref": doc.source_ref,
                    "filename": doc.filename,
                    "sha256": digest,
                    "size": len(doc.content),
                    "same_bytes_seen_before": seen_before,
                },
            )
        )
        return Receipt(row.id, digest, new=True, seen_bytes_before=seen_before)
