"""One invoice for the console: the document as a person reads it, its findings, what they
disagree with, and its journey; and its stored bytes for download.

The document is read again from the stored bytes with the robot's own bounded reader
(:func:`robot.readers.sandbox.read_bounded`, the PDF templates of the configuration), so the page
shows what the robot decided on. A person restricted to one customer (``customer_id``) sees only
that customer's invoices: any other is ``None`` here, a 404 on the page.

    page = invoice_page(store, 7, config=loaded, customer_id=None)   # None: no such invoice
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from classifiers.engine import load_rules
from robot.errors import ReadError
from robot.model import Invoice
from robot.processing.findings import from_rows
from robot.store.holds import Standing, standing, state_text
from robot.store.schema import Document, InvoiceRow, InvoiceState, NoticeRow, error_type_codes
from robot.web.reads.compare import Comparison, compare, master_data
from robot.web.reads.invoice_fields import base_field, value_at
from robot.web.reads.invoice_journey import (
    EventView,
    NoticeView,
    PostingView,
    ResponseView,
    events_view,
    notice_view,
    posting_view,
    response_view,
)

if TYPE_CHECKING:
    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store


@dataclass(frozen=True, slots=True)
class FindingView:
    code: str
    severity: str
    disposition: str
    reason: str
    field: str | None
    line_id: str | None
    message_da: str
    message_en: str
    found_da: str | None
    found_en: str | None
    expected_da: str | None
    expected_en: str | None
    description: str | None  # the rule's description (``fakturarobot rules``); None for the robot's own
    on_document: str | None  # the value the document has at ``field``


@dataclass(frozen=True, slots=True)
class InvoicePage:
    invoice_id: int
    state: str
    status: str  # the state as the CLI says it (a released invoice waits for the next run)
    standing: Standing | None  # a person's decision still to be carried out (or approved, held)
    verdict: str | None
    error_types: tuple[str, ...]
    customer_id: str | None
    supplier_name: str | None
    invoice_number: str | None
    payable: Decimal | None
    currency: str | None
    received_at: datetime
    source: str
    source_ref: str
    filename: str
    size: int
    sha256: str
    is_pdf: bool
    format: str | None
    erp_document_no: str | None
    assigned_to: str | None
    last_error: str | None
    read_error: str | None
    document: Invoice | None
    document_error: str | None  # why the stored bytes could not be read now
    findings: tuple[FindingView, ...]
    flagged: frozenset[str]  # BT ids the findings point at
    flagged_lines: frozenset[str]  # line ids the findings point at
    comparison: Comparison
    events: tuple[EventView, ...]
    postings: tuple[PostingView, ...]
    notice: NoticeView | None
    response: ResponseView | None
    has_response: bool

    @property
    def held(self) -> bool:
        return self.state == InvoiceState.HELD


@dataclass(frozen=True, slots=True)
class Download:
    filename: str  # as the source named it: hostile, the page makes it safe for a header
    content: bytes
    content_type: str


def visible(row: InvoiceRow | None, customer_id: str | None) -> bool:
    """Whether a person limited to ``customer_id`` (None: every customer) may see the invoice."""
    if row is None:
        return False
    return customer_id is None or (row.customer_id or "").casefold() == customer_id.casefold()


def content_type(content: bytes) -> str:
    """``application/pdf``, ``application/xml`` or ``application/octet-stream``, from the bytes."""
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"<"):
        return "application/xml"
    return "application/octet-stream"


def _row_and_document(store: Store, invoice_id: int) -> tuple[InvoiceRow, Document] | None:
    with store.sessions() as s:
        found = s.execute(
            select(InvoiceRow, Document)
            .join(Document, Document.id == InvoiceRow.document_id)
            .where(InvoiceRow.id == invoice_id)
        ).first()
    return (found[0], found[1]) if found is not None else None


def raw_document(store: Store, invoice_id: int, customer_id: str | None = None) -> Download | None:
    """The stored bytes exactly as received, or None (no such invoice, or not this person's)."""
    found = _row_and_document(store, invoice_id)
    if found is None or not visible(found[0], customer_id):
        return None
    document = found[1]
    return Download(document.filename, document.content, content_type(document.content))


def invoice_response(store: Store, invoice_id: int, customer_id: str | None = None) -> Download | None:
    """The Invoice Response sent for the invoice (XML), or None when there is none to see."""
    with store.sessions() as s:
        row = s.get(InvoiceRow, invoice_id)
    if row is None or not visible(row, customer_id) or not row.invoice_response:
        return None
    name = f"invoice-response-{row.invoice_number or row.id}.xml"
    return Download(name, row.invoice_response, "application/xml")


def read_again(
    content: bytes, filename: str, config: LoadedConfig | None
) -> tuple[Invoice | None, str | None]:
    """The document read from its bytes as a run reads it, or why it cannot be."""
    from robot.readers.sandbox import read_bounded

    try:
        templates = config.pdf_templates() if config is not None else None
        return read_bounded(content, filename, templates), None
    except ReadError as exc:
        return None, exc.reason
    except Exception as exc:  # a configuration that cannot give its templates: say so, show the rest
        return None, f"{type(exc).__name__}: {exc}"


def _descriptions() -> dict[str, str]:
    return {spec.code: spec.description for spec in load_rules()}


def invoice_page(
    store: Store, invoice_id: int, *, config: LoadedConfig | None, customer_id: str | None = None
) -> InvoicePage | None:
    """Everything the invoice page shows, or None (no such invoice, or not this person's)."""
    found = _row_and_document(store, invoice_id)
    if found is None or not visible(found[0], customer_id):
        return None
    row, document = found
    _, events, finding_rows, postings = store.journey(invoice_id)
    invoice, document_error = read_again(document.content, document.filename, config)
    described = _descriptions()
    findings = []
    for f in from_rows(finding_rows):
        findings.append(
            FindingView(
                f.code,
                f.severity,
                f.disposition,
                str(f.reason),
                f.field,
                f.line_id,
                f.message_da,
                f.message_en,
                f.found_in("da"),
                f.found_in("en"),
                f.expected_in("da"),
                f.expected_in("en"),
                described.get(f.code),
                value_at(invoice, f.field, f.line_id) if invoice is not None else None,
            )
        )
    notice = None
    if row.notice_id is not None:
        with store.sessions() as s:
            notice_row = s.get(NoticeRow, row.notice_id)
        notice = notice_view(notice_row) if notice_row is not None else None
    codes = {f.code for f in findings}
    comparison = compare(store, row, invoice, codes, master_data(config), customer_id)
    return InvoicePage(
        invoice_id=row.id,
        state=row.state,
        status=state_text(row.state, events),
        standing=standing(row.state, events),
        verdict=row.verdict,
        error_types=error_type_codes(row.error_types),
        customer_id=row.customer_id,
        supplier_name=row.supplier_name,
        invoice_number=row.invoice_number,
        payable=row.payable,
        currency=row.currency,
        received_at=row.received_at,
        source=row.source,
        source_ref=row.source_ref,
        filename=document.filename,
        size=document.size,
        sha256=document.sha256,
        is_pdf=content_type(document.content) == "application/pdf",
        format=row.format,
        erp_document_no=row.erp_document_no,
        assigned_to=row.assigned_to,
        last_error=row.last_error,
        read_error=row.read_error,
        document=invoice,
        document_error=document_error,
        findings=tuple(findings),
        flagged=frozenset(b for b in (base_field(f.field) for f in findings) if b),
        flagged_lines=frozenset(f.line_id for f in findings if f.line_id),
        comparison=comparison,
        events=events_view(events),
        postings=tuple(posting_view(p) for p in postings),
        notice=notice,
        response=response_view(row.invoice_response) if row.invoice_response else None,
        has_response=bool(row.invoice_response),
    )
