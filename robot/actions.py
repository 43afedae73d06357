"""What the robot does with one invoice: read it, classify it, then post, return or hold it.

Each step records its result before the next begins, so :meth:`Actions.process` can be called
again on an invoice in any state and continues where it stopped:

    received ──read──► read ──classify──► classified ──► posted | returned | held

Business problems are findings; application failures (a bug, a damaged file) leave the invoice
pending for the next run, and after ``max_attempts`` hold it for the creditor team. An ERP that
cannot be reached (a TransientError or a connection error from the ledger) is not the invoice's
fault: it is counted apart (``erp_unreachable``), backs the invoice off across runs and never
exhausts ``attempts``, so after an outage the invoices are posted, not held.

Given a :class:`~robot.store.queue.Fence` (a worker's lease on the invoice), every side effect is
fenced: the lease is verified and renewed immediately before each ERP call, and the decision and
the completion are written only while the invoice is still this worker's. A worker whose lease was
lost stops (a ``lease-lost`` event) and leaves the invoice to the worker that has it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from loguru import logger
from sqlalchemy.orm import Session

from classifiers.api import Finding, PriorInvoice, Vendor
from classifiers.engine import Classifier
from classifiers.lookups import normalise_invoice_number, supplier_key
from connectors.base import Ledger, Posting
from robot.config import ContactSettings
from robot.context import MasterData
from robot.decision import decide
from robot.errors import BusinessError, ReadError, TransientError
from robot.findings import robot_finding
from robot.invoice_response import InvoiceResponseError, build_invoice_response
from robot.model import Invoice, Party
from robot.pdftext import TemplateSet
from robot.postable import posting_for, read_stored, vendor_of
from robot.returns import blocking_findings
from robot.store.queue import Fence, LeaseLost
from robot.store.repo import ReadSummary, Store
from robot.store.schema import InvoiceRow, InvoiceState, utcnow

CLOCK_SKEW = timedelta(seconds=5)  # between machines sharing a store (run NTP; a margin, not a sync)
ERP_BACKOFF = timedelta(minutes=5)  # wait after a second outage in a row; doubles per further one
ERP_BACKOFF_MAX = timedelta(hours=6)
T = TypeVar("T")


class ErpUnreachable(Exception):
    """The ledger could not be reached (TransientError, connection error); wraps the cause."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


class Actions:
    def __init__(
        self,
        store: Store,
        master: MasterData,
        classifier: Classifier,
        ledger: Ledger,
        *,
        templates: Path | None = None,
        pdf_templates: TemplateSet | None = None,
        creditor_team: tuple[str, ...] = (),
        responder: Party | None = None,
        contact: ContactSettings | None = None,
    ) -> None:
        self.store = store
        self.master = master
        self.classifier = classifier
        self.ledger = ledger
        self.templates = templates
        self.pdf_templates = pdf_templates
        self.creditor_team = creditor_team
        self.responder = responder
        self.contact = contact  # whom the customer's digest names (the configuration's contact:)
        self.shared_history = False  # several workers: catch up on their decisions (robot.worker)
        self._known: set[int] = set()  # invoice ids already in the duplicate index
        self._caught_up: dict[str, datetime] = {}  # supplier key -> last catch-up (UTC)
        self._loaded_at: datetime | None = None  # when priors() loaded the index
        self._fence: Fence | None = None  # the lease on the invoice in hand (workers), else None

    # --- one invoice ----------------------------------------------------------------------------

    def process(
        self,
        invoice_id: int,
        run_id: int,
        *,
        dry_run: bool = False,
        max_attempts: int = 5,
        fence: Fence | None = None,
        erp_backoff: timedelta = ERP_BACKOFF,
        erp_backoff_max: timedelta = ERP_BACKOFF_MAX,
    ) -> str | None:
        """Take the invoice as far as it can go. Returns a problem description, or None.

        ``fence``: the worker's lease on the invoice; every side effect is checked against it.
        """
        if dry_run:  # it would write to the store: a dry run decides in memory (robot.dry_run)
            raise ValueError("a dry run never processes through Actions; see robot.dry_run.DryRun")
        self._fence = fence
        try:
            return self._process(invoice_id, run_id, dry_run, max_attempts, erp_backoff, erp_backoff_max)
        except LeaseLost as exc:  # another worker has the invoice now: leave it to that worker
            self._lease_lost(exc, run_id)
            return None
        finally:
            self._fence = None

    def _process(
        self,
        invoice_id: int,
        run_id: int,
        dry_run: bool,
        max_attempts: int,
        erp_backoff: timedelta,
        erp_backoff_max: timedelta,
    ) -> str | None:
        log = logger.bind(run_id=run_id, invoice_id=invoice_id)
        worker = self._worker()
        try:
            row, doc = self.store.document_of(invoice_id)
            if row.state == InvoiceState.RECEIVED and not dry_run:
                self._first_pass(row, doc.content, doc.filename, doc.sha256, run_id)
                return None
            invoice = self._read(row, doc.content, doc.filename, run_id)
            if row.state in (InvoiceState.RECEIVED, InvoiceState.READ) or row.verdict is None:
                verdict = self._classify(row, invoice, doc.sha256, run_id)
            else:
                verdict = row.verdict
            if dry_run:
                return None
            if verdict == "post" and invoice is not None:
                self._post(row, invoice, doc.sha256, doc.content, run_id)
            elif verdict == "return" and invoice is not None:
                blocking = self._blocking(invoice_id)
                response = self._response(row.id, row.customer_id, invoice, blocking, run_id)
                self.store.mark_returned(row.id, run_id, response, worker=worker)
            else:
                reason = ",".join(f.code for f in self._blocking(invoice_id))
                self.store.mark_held(invoice_id, run_id, reason, worker=worker)
            return None
        except LeaseLost:
            raise
        except ErpUnreachable as exc:  # the ERP is down: back off, do not spend an attempt
            in_a_row, retry_after = self.store.erp_unreachable(
                invoice_id, run_id, str(exc), backoff=erp_backoff, backoff_max=erp_backoff_max, worker=worker
            )
            log.warning("invoice {}: ERP unreachable ({} in a row): {}", invoice_id, in_a_row, exc)
            return (
                f"invoice {invoice_id}: ERP unreachable ({in_a_row} in a row, "
                f"next try after {retry_after:%Y-%m-%d %H:%M:%S} UTC): {exc}"
            )
        except Exception as exc:  # an application failure: retried on a later run, then held
            attempts = self.store.step_failed(
                invoice_id, run_id, "process", f"{type(exc).__name__}: {exc}", worker=worker
            )
            log.warning("invoice {} failed (attempt {}): {}", invoice_id, attempts, exc)
            if attempts >= max_attempts and not isinstance(exc, BusinessError):
                self._hold_for_failure(invoice_id, run_id, exc, attempts)
            return f"invoice {invoice_id}: {type(exc).__name__}: {exc}"

    def _first_pass(self, row: InvoiceRow, content: bytes, filename: str, sha256: str, run_id: int) -> None:
        """A new invoice: read, classify and decide in memory, record it all in one transaction.

        Only a posting needs a second step (the ERP call, then its confirmation), and its intent is
        part of that one transaction, so a crash anywhere is resumed by the paths below. With
        several workers, invoices of one supplier are classified one at a time across workers
        (a lock in the store), after catching up on what the others decided, so a duplicate
        cannot slip through between two workers.
        """
        try:
            invoice: Invoice | None = self._read_bytes(row, content, filename)
            read_error = None
        except ReadError as exc:
            invoice, read_error = None, str(exc)
        key = supplier_key(invoice) if invoice is not None else None
        if not self.shared_history or key is None:
            posting = self._decide_new(row, invoice, read_error, content, sha256, run_id)
        else:
            with self.store.supplier_transaction(key) as tx:
                self._catch_up(key, sha256, tx)
                posting = self._decide_new(row, invoice, read_error, content, sha256, run_id, tx)
        if posting is not None:
            self._hand_over(row.id, posting, run_id)

    def _catch_up(self, key: str, sha256: str, tx: Session | None) -> None:
        """Add to the duplicate index what other workers decided for this supplier or these bytes.

        Called under the supplier's lock, so every other decision for this supplier is committed;
        only rows changed since the last catch-up (less a margin for clock skew) are read.
        """
        started = utcnow()
        last = self._caught_up.get(key)
        since = last - CLOCK_SKEW if last is not None else self._loaded_at
        for h in self.store.history_of(key, sha256, since=since, session=tx):
            if h.invoice_id in self._known:
                continue
            self.master.history.add(
                PriorInvoice(
                    h.invoice_id, h.supplier_key, h.invoice_number, h.issue_date, h.payable, h.sha256
                )
            )
            self._known.add(h.invoice_id)
        self._caught_up[key] = started

    def _decide_new(
        self,
        row: InvoiceRow,
        invoice: Invoice | None,
        read_error: str | None,
        content: bytes,
        sha256: str,
        run_id: int,
        tx: Session | None = None,
    ) -> Posting | None:
        meta = {str(k): str(v) for k, v in (row.source_meta or {}).items()}
        decision = decide(
            self.master, self.classifier, invoice, read_error, meta, sha256=sha256, invoice_id=row.id
        )  # the decision shared with a dry run and `validate` (robot.decision)
        findings, customer_id = list(decision.findings), decision.customer_id
        verdict, error_types = decision.verdict, list(decision.error_types)
        posting: Posting | None = None
        response: bytes | None = None
        if verdict == "post" and invoice is not None:
            posting = self._posting(row, invoice, customer_id, sha256, content)
            if posting is None:
                findings.append(robot_finding("POST-NO-VENDOR", supplier_key(invoice)))
                verdict, error_types = "hold", [*error_types, "OTH"]
        elif verdict == "return" and invoice is not None:
            blocking = [f for f in findings if f.blocks]
            response = self._response(row.id, customer_id, invoice, blocking, run_id)
        self.store.decide(
            row.id,
            run_id,
            summary=_summary(invoice) if invoice is not None else None,
            read_error=read_error,
            customer_id=customer_id,
            findings=findings,
            verdict=verdict,
            error_types=error_types,
            posting=(posting.idempotency_key, self.ledger.name, _payload(posting)) if posting else None,
            invoice_response=response,
            session=tx,
            worker=self._worker(),
        )
        if invoice is not None:
            self.master.history.add(_prior(row.id, invoice, sha256))
            self._known.add(row.id)
        logger.bind(run_id=run_id, invoice_id=row.id).info(
            "{} {}: {} {}", row.source_ref, invoice.number if invoice else "-", verdict, ",".join(error_types)
        )
        return posting

    def _read_bytes(self, row: InvoiceRow, content: bytes, filename: str) -> Invoice:
        """The one place stored bytes become an invoice (:func:`read_stored`); raises ReadError."""
        return read_stored(row, content, filename, self.pdf_templates)

    def _read(self, row: InvoiceRow, content: bytes, filename: str, run_id: int) -> Invoice | None:
        try:
            invoice = self._read_bytes(row, content, filename)
        except ReadError as exc:
            if row.state == InvoiceState.RECEIVED:
                self.store.mark_read(row.id, run_id, None, str(exc))
            return None
        if row.state == InvoiceState.RECEIVED:
            self.store.mark_read(row.id, run_id, _summary(invoice), None)
        return invoice

    def _classify(self, row: InvoiceRow, invoice: Invoice | None, sha256: str, run_id: int) -> str:
        meta = {str(k): str(v) for k, v in (row.source_meta or {}).items()}
        if invoice is None:
            fresh = self.store.invoice(row.id)
            finding = robot_finding("READ-ERROR", fresh.read_error or "unreadable")
            customer = self.master.customer_for(None, meta)
            self.store.save_classification(
                row.id,
                run_id,
                customer_id=customer.id if customer else None,
                findings=[finding],
                verdict="hold",
                error_types=[finding.reason],
            )
            return "hold"
        ctx = self.master.context(invoice, metadata=meta, sha256=sha256, invoice_id=row.id)
        result = self.classifier.classify(invoice, ctx)
        self.store.save_classification(
            row.id,
            run_id,
            customer_id=ctx.customer_id,
            findings=result.findings,
            verdict=result.verdict.value,
            error_types=result.error_types,
        )
        self.master.history.add(_prior(row.id, invoice, sha256))
        return result.verdict.value

    def _posting(
        self, row: InvoiceRow, invoice: Invoice, customer_id: str | None, sha256: str, content: bytes
    ) -> Posting | None:
        """What the ERP books, or None when the vendor is not in the vendor master."""
        return posting_for(row, invoice, self.master, customer_id, sha256, content)

    def _post(self, row: InvoiceRow, invoice: Invoice, sha256: str, content: bytes, run_id: int) -> None:
        """Resume a decided posting: record the intent (once), then hand it over."""
        posting = self._posting(row, invoice, row.customer_id, sha256, content)
        if posting is None:
            finding = robot_finding("POST-NO-VENDOR", supplier_key(invoice))
            self._fenced("holding")
            self.store.add_findings(row.id, [finding])
            self.store.mark_held(row.id, run_id, finding.code, worker=self._worker())
            return
        self._fenced("recording the posting intent")
        self.store.begin_posting(row.id, run_id, posting.idempotency_key, self.ledger.name, _payload(posting))
        self._hand_over(row.id, posting, run_id)

    def _hand_over(self, invoice_id: int, posting: Posting, run_id: int) -> None:
        """Ask the ERP first, post only if it does not have the invoice, then record the number.

        With a fence, the lease is verified (and renewed) immediately before each ERP call, and
        the number is recorded only if the invoice is still ours; a heartbeat renews the lease
        while the call runs. What remains is documented in the README (at-least-once window).
        """
        worker = self._worker()
        try:
            self._fenced("asking the ERP")
            existing = self._erp(lambda: self.ledger.find(posting))
            if existing is None:
                self._fenced("posting to the ERP")
                number = self._erp(lambda: self.ledger.post(posting))
            else:
                number = existing
        except BusinessError as exc:
            finding = robot_finding("POST-REFUSED", exc.message)
            self._fenced("holding")
            self.store.add_findings(invoice_id, [finding])
            self.store.mark_held(invoice_id, run_id, f"ERP refused: {exc.message}", worker=worker)
            return
        self.store.complete_posting(
            invoice_id, run_id, number, found_existing=existing is not None, worker=worker
        )
        logger.bind(run_id=run_id, invoice_id=invoice_id).info(
            "posted to {} as {}{}", self.ledger.name, number, " (found in the ERP)" if existing else ""
        )

    def _response(
        self, invoice_id: int, customer_id: str | None, invoice: Invoice, blocking: list[Finding], run_id: int
    ) -> bytes | None:
        """The Invoice Response for a returned invoice (RE, or UQ where the customer wants it)."""
        status = "UQ" if blocking and all(f.status == "UQ" for f in blocking) else "RE"
        customer = self.master.by_id.get(customer_id or "")
        if customer is not None and customer.criteria.return_status == "UQ":
            status = "UQ"
        try:
            return build_invoice_response(
                invoice,
                blocking,
                status=status,
                response_id=f"FR-{invoice_id}",
                issue_date=date.today(),
                sender=self._sender(invoice),
            )
        except InvoiceResponseError as exc:  # e.g. no party ids to address it: the e-mail still goes
            self.store.event(invoice_id, run_id, "invoice-response-skipped", error=exc.message)
            return None

    def _sender(self, invoice: Invoice) -> Party | None:
        """The buyer answers, unless its EAN is not a known customer's (then the service centre does)."""
        endpoint = invoice.buyer.endpoint
        if endpoint is not None and endpoint.value in self.master.by_ean:
            return None
        return self.responder

    def _hold_for_failure(self, invoice_id: int, run_id: int, exc: Exception, attempts: int) -> None:
        finding = robot_finding(
            "ROBOT-RETRIES-EXHAUSTED", f"{attempts} attempts; last: {type(exc).__name__}: {exc}"
        )
        self.store.add_findings(invoice_id, [finding])
        self.store.mark_held(invoice_id, run_id, finding.code)

    # --- the lease (several workers) ----------------------------------------------------------------

    def _worker(self) -> str | None:
        return self._fence.worker if self._fence is not None else None

    def _fenced(self, step: str) -> None:
        """Verify and renew the lease right before a side effect; raises LeaseLost if it is gone."""
        if self._fence is not None:
            self._fence.check(step)

    @staticmethod
    def _erp(call: Callable[[], T]) -> T:
        """One ledger call; an unreachable ERP (TransientError, connection error) as ErpUnreachable."""
        try:
            return call()
        except (TransientError, OSError) as exc:
            raise ErpUnreachable(exc) from exc

    def _lease_lost(self, exc: LeaseLost, run_id: int) -> None:
        logger.bind(run_id=run_id, invoice_id=exc.invoice_id).warning("{}; left to its new holder", exc)
        self.store.event(exc.invoice_id, run_id, "lease-lost", worker=exc.worker, step=exc.step)

    # --- helpers -----------------------------------------------------------------------------------

    def _blocking(self, invoice_id: int) -> list[Finding]:
        return blocking_findings(self.store, invoice_id)

    def _vendor(self, invoice: Invoice) -> Vendor | None:
        return vendor_of(invoice, self.master)

    def priors(self) -> Iterator[PriorInvoice]:
        """Every decided invoice, for the duplicate index loaded at the start of a run."""
        self._loaded_at = utcnow() - CLOCK_SKEW
        for h in self.store.history():
            self._known.add(h.invoice_id)
            yield PriorInvoice(
                h.invoice_id, h.supplier_key, h.invoice_number, h.issue_date, h.payable, h.sha256
            )


def _summary(invoice: Invoice) -> ReadSummary:
    return ReadSummary(
        format=invoice.format,
        document_type=invoice.document_type.value,
        invoice_number=invoice.number,
        number_normalised=normalise_invoice_number(invoice.number) if invoice.number else None,
        supplier_key=supplier_key(invoice),
        supplier_name=invoice.seller.name,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,  # the UBL reader fills BT-9 from an OIOUBL PaymentDueDate
        payable=invoice.totals.payable,
        currency=invoice.currency,
    )


def _prior(invoice_id: int, invoice: Invoice, sha256: str) -> PriorInvoice:
    return PriorInvoice(
        invoice_id,
        supplier_key(invoice),
        invoice.number or "",
        invoice.issue_date,
        invoice.totals.payable,
        sha256,
    )


def _payload(posting: object) -> dict[str, object]:
    from dataclasses import asdict

    data = asdict(posting)  # type: ignore[call-overload]
    data.pop("document", None)
    return dict(data)
