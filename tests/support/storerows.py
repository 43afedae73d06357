"""Invoices written straight into the store, for tests of what is read back from it (status API,
customer state, health) without a run to make them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from robot.store.schema import Document, InvoiceRow


def add_invoice(s: Session, n: int, **columns: Any) -> InvoiceRow:
    """Invoice ``n`` in session ``s``: a posted invoice from source ``test``, read from a one-byte
    document ``{n}.xml`` of its own (sha256 ``n``, zero-padded); ``columns`` (any other column of
    :class:`InvoiceRow`, or these) on top. Flushed, so its id is known."""
    doc = Document(sha256=f"{n:064d}", size=1, content=b"x", filename=f"{n}.xml")
    s.add(doc)
    s.flush()
    values: dict[str, Any] = {"source": "test", "source_ref": f"{n}.xml", "state": "posted", **columns}
    row = InvoiceRow(document_id=doc.id, **values)
    s.add(row)
    s.flush()
    return row
