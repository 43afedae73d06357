"""What the posting path needs of an invoice, shared by a run and by a person's ``release``.

A run reads the stored bytes (:func:`read_stored`), finds the vendor (:func:`vendor_of`) and builds
the posting (:func:`posting_for`); an invoice it cannot read, or whose supplier is not in the vendor
master, is held. ``release`` asks the same functions first (:func:`posting_refusal`), so a person is
not told "the next run posts it" of an invoice the next run would only hold again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from classifiers.api import Vendor
from classifiers.keys import supplier_cvr, supplier_key
from connectors.base import INTAKE_PROBLEM, Posting
from robot.errors import ReadError
from robot.model import Invoice
from robot.processing.posting import build_posting
from robot.readers.sandbox import read_bounded

if TYPE_CHECKING:
    from robot.pdftext import TemplateSet
    from robot.processing.context import MasterData
    from robot.store.repo import Store
    from robot.store.schema import InvoiceRow


def read_stored(row: InvoiceRow, content: bytes, filename: str, templates: TemplateSet | None) -> Invoice:
    """The one place stored bytes become an invoice; raises ReadError.

    A source that could not take a document over whole (its sidecar unreadable, the file over
    the size limit) says so in the metadata key ``intake_problem``: the invoice is then held
    as unreadable with that reason, its bytes unread.

    PDFs and large XML are read in a bounded child process (``read_bounded``): a document that
    needs more memory or CPU time than one document may is a ReadError naming the limit, so it
    is held unread on its first pass and the invoices behind it are read as usual.
    """
    problem = (row.source_meta or {}).get(INTAKE_PROBLEM)
    if problem:
        raise ReadError(str(problem), file=filename)
    return read_bounded(content, filename, templates)


def vendor_of(invoice: Invoice, master: MasterData) -> Vendor | None:
    """The vendor a posting is booked to: by CVR, else by electronic address."""
    cvr = supplier_cvr(invoice)
    vendor = master.vendors.by_cvr(cvr) if cvr else None
    endpoint = invoice.seller.endpoint
    if vendor is None and endpoint is not None:
        vendor = master.vendors.by_endpoint(endpoint.value)
    return vendor


def posting_for(
    row: InvoiceRow,
    invoice: Invoice,
    master: MasterData,
    customer_id: str | None,
    sha256: str,
    content: bytes,
) -> Posting | None:
    """What the ERP books, or None when the vendor is not in the vendor master."""
    vendor = vendor_of(invoice, master)
    if vendor is None:
        return None
    meta = row.source_meta or {}
    return build_posting(
        invoice,
        vendor_number=vendor.number,
        customer_id=customer_id,
        sha256=sha256,
        account_string=meta.get("account") or invoice.accounting_cost,
        document=content,
        filename=row.source_ref,
    )


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a run cannot post an invoice (``code``: the finding it would hold it with), and the fix."""

    code: str
    why: str
    fix: str


def posting_refusal(
    store: Store, master: MasterData, templates: TemplateSet | None, invoice_id: int
) -> Refusal | None:
    """Why a run would not post this invoice if it were released now, or None.

    The posting path's own code, not a copy: the stored bytes are read as a run reads them (an
    unreadable document is held again, READ-ERROR), the posting is built as a run builds it (no
    vendor in the vendor master: POST-NO-VENDOR), and its exactly-once key must not be another
    invoice's already (the store refuses a second posting of one vendor's number and year). Only
    the ERP's own refusal cannot be known before it is asked.
    """
    row, doc = store.document_of(invoice_id)
    try:
        invoice = read_stored(row, doc.content, doc.filename, templates)
    except ReadError as exc:
        return Refusal(
            "READ-ERROR",
            f"the document cannot be read ({exc}), so there is nothing to post",
            "write or fix the PDF template (docs/pdf-templates.md) or have the supplier resend it, "
            f"then `fakturarobot retry {invoice_id} --by NAME`; or return it",
        )
    posting = posting_for(row, invoice, master, row.customer_id, doc.sha256, doc.content)
    if posting is None:
        return Refusal(
            "POST-NO-VENDOR",
            f"the supplier ({supplier_key(invoice) or '-'}) is not in the vendor master, so the ERP "
            "has no vendor to book it to",
            f"add the supplier to the vendor master (vendors.yaml), then `fakturarobot retry "
            f"{invoice_id} --by NAME`; or return it",
        )
    other = store.posting_key_owner(posting.idempotency_key, invoice_id)
    if other is not None:
        erp = f", in the ERP as {other.erp_document_no}" if other.erp_document_no else ""
        return Refusal(
            "POSTING-EXISTS",
            f"invoice {other.invoice_id} is already posted with the same vendor, number and year "
            f"({posting.idempotency_key}{erp}); the ERP takes an invoice once",
            f"if it is a duplicate, `fakturarobot return {invoice_id} --by NAME --reason ... --code OTH`",
        )
    return None
