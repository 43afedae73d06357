"""The decision on a new invoice: one code path for a run, a dry run and ``fakturarobot validate``::

    invoice, read_error = read_or_error(row, content, "a.xml", pdf_templates)
    decision = decide(master, classifier, invoice, read_error, metadata, sha256=digest)
    decision.verdict, decision.error_types

Bytes become an invoice (or a read error; a source that could not hand a document over whole says
so in the metadata key ``intake_problem``, and the document is then unreadable with that reason),
the customer is the one the purchase system names in the metadata or else the one whose EAN the
invoice is addressed to (:meth:`robot.processing.context.MasterData.context`), the rules and the customer's
criteria classify it (:class:`classifiers.engine.Classifier`), and an invoice that would be
posted but whose supplier is not in the vendor master is held (``POST-NO-VENDOR``): the ERP
cannot book it. Nothing here touches the store, the ERP or the source.

The decision as the store records it is an :class:`robot.processing.outcome.Outcome`, built by
:mod:`robot.processing.outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from classifiers.api import Finding, PriorInvoice
from classifiers.engine import Classifier
from classifiers.keys import supplier_key
from robot.codes import InvoiceState, Reason, Verdict
from robot.errors import ReadError
from robot.model import Invoice
from robot.processing.findings import robot_finding
from robot.processing.postable import read_stored, vendor_of

if TYPE_CHECKING:  # (annotations only: deciding needs neither the store nor the configuration)
    from robot.pdftext import TemplateSet
    from robot.processing.context import MasterData
    from robot.store.schema import InvoiceRow


@dataclass(frozen=True, slots=True)
class Decision:
    """What the robot decides for one invoice before any side effect."""

    invoice: Invoice | None
    read_error: str | None
    customer_id: str | None
    findings: tuple[Finding, ...]
    verdict: str  # post | return | hold
    error_types: tuple[str, ...]


def read_or_error(
    row: InvoiceRow, content: bytes, filename: str, pdf_templates: TemplateSet | None
) -> tuple[Invoice | None, str | None]:
    """The invoice as a run reads it (:func:`robot.processing.postable.read_stored`), or None and why not.

    ``row`` carries the source's metadata; for a document not stored (a dry run, ``validate``) an
    unsaved ``InvoiceRow(source_ref=..., source_meta=...)`` does.
    """
    try:
        return read_stored(row, content, filename, pdf_templates), None
    except ReadError as exc:
        return None, str(exc)


def read_to_decide(
    row: InvoiceRow, content: bytes, filename: str, pdf_templates: TemplateSet | None
) -> tuple[Invoice | None, str | None, bool]:
    """A stored invoice read to be decided (:func:`read_or_error`), and whether its ``read`` step is
    recorded already (resumed after ``read``); then an unreadable one keeps the reason recorded."""
    invoice, read_error = read_or_error(row, content, filename, pdf_templates)
    read_recorded = row.state != InvoiceState.RECEIVED
    if invoice is None and read_recorded and row.read_error:
        read_error = row.read_error  # the reason the step that read it recorded
    return invoice, read_error, read_recorded


def decide(
    master: MasterData,
    classifier: Classifier,
    invoice: Invoice | None,
    read_error: str | None,
    metadata: Mapping[str, str],
    *,
    sha256: str | None,
    invoice_id: int | None = None,
    document: bytes | None = None,
) -> Decision:
    """Classify a read invoice (or hold an unreadable one) as a run would, with no side effect;
    ``document`` (its bytes) is what the classifier's document checks judge (the official rules)."""
    meta = dict(metadata)
    if invoice is None:
        finding = robot_finding("READ-ERROR", read_error or "unreadable")
        customer = master.customer_for(None, meta)
        return Decision(
            None, read_error, customer.id if customer else None, (finding,), Verdict.HOLD, (finding.reason,)
        )
    ctx = master.context(invoice, metadata=meta, sha256=sha256, invoice_id=invoice_id, document=document)
    result = classifier.classify(invoice, ctx)
    findings, verdict, error_types = list(result.findings), result.verdict.value, list(result.error_types)
    if verdict == Verdict.POST and vendor_of(invoice, master) is None:
        findings.append(robot_finding("POST-NO-VENDOR", supplier_key(invoice)))
        verdict, error_types = Verdict.HOLD, [*error_types, Reason.OTH]
    return Decision(invoice, None, ctx.customer_id, tuple(findings), verdict, tuple(error_types))


def decide_row(
    master: MasterData,
    classifier: Classifier,
    row: InvoiceRow,
    invoice: Invoice | None,
    read_error: str | None,
    sha256: str,
    content: bytes | None = None,
) -> Decision:
    """:func:`decide` for an invoice's row (stored, or unsaved for a document still in its source):
    the source's metadata as text, the row's id (None when unsaved), the document's bytes."""
    meta = {str(k): str(v) for k, v in (row.source_meta or {}).items()}
    return decide(
        master, classifier, invoice, read_error, meta, sha256=sha256, invoice_id=row.id, document=content
    )


def remember(master: MasterData, invoice_id: int, invoice: Invoice | None, sha256: str) -> None:
    """A decided invoice joins the duplicate history, so the next decision sees it (if it was read)."""
    if invoice is not None:
        master.history.add(prior_of(invoice_id, invoice, sha256))


def prior_of(invoice_id: int, invoice: Invoice, sha256: str) -> PriorInvoice:
    """The invoice as the duplicate index knows it (added once it is decided)."""
    return PriorInvoice(
        invoice_id,
        supplier_key(invoice),
        invoice.number or "",
        invoice.issue_date,
        invoice.totals.payable,
        sha256,
    )
