"""What the robot does with one invoice: read it, classify it, then post, return or hold it.

Each step records its result before the next begins, so :meth:`Actions.process` can be called
again on an invoice in any state and continues where it stopped:

    received ──read──► read ──classify──► classified ──► posted | returned | held

One decision path: what to do is decided by the pure functions of :mod:`robot.processing.decision`
(the decision shared with a dry run and ``validate``) and :mod:`robot.processing.outcome` (the
:class:`~robot.processing.outcome.Outcome` the store records), and recorded by one store method
(:meth:`robot.store.decisions.Decisions.apply`), on the first pass and on every resumed step alike.
A new invoice is read, classified and decided in one transaction; only a posting needs a second
step (:mod:`robot.processing.handover`: the ERP call, then its confirmation), and its intent is
part of that one transaction.

Business problems are findings; application failures (a bug, a damaged file) leave the invoice
pending for the next run, and after ``max_attempts`` hold it for the creditor team. An ERP that
cannot be reached (a TransientError or a connection error from the ledger) is not the invoice's
fault: it is counted apart (``erp_unreachable``), backs the invoice off across runs and never
exhausts ``attempts``, so after an outage the invoices are posted, not held.

Given a :class:`~robot.store.fence.Fence` (a worker's lease on the invoice), every side effect is
fenced: the lease is verified and renewed immediately before each ERP call, and the decision and
the completion are written only while the invoice is still this worker's. A worker whose lease was
lost stops (a ``lease-lost`` event) and leaves the invoice to the worker that has it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from loguru import logger
from sqlalchemy.orm import Session

from classifiers.api import Finding, PriorInvoice
from classifiers.engine import Classifier
from classifiers.keys import HistoryKey, supplier_key
from connectors.base import Ledger, Posting
from robot.codes import Verdict
from robot.configuration.settings import ContactSettings
from robot.model import Invoice, Party
from robot.pdftext import TemplateSet
from robot.processing import decision
from robot.processing.context import MasterData
from robot.processing.guard import ERP_BACKOFF, ERP_BACKOFF_MAX, Guarded
from robot.processing.handover import ErpUnreachable, hand_over, intent
from robot.processing.outcome import Outcome, carried_out, classified
from robot.processing.postable import posting_for
from robot.processing.reply import response_for
from robot.processing.returns import blocking_findings
from robot.store.fence import Fencing
from robot.store.history import StoreHistory, serialising_names
from robot.store.queries import HistoryRow
from robot.store.repo import Store
from robot.store.schema import Document, InvoiceRow, InvoiceState, utcnow

__all__ = ["CLOCK_SKEW", "ERP_BACKOFF", "ERP_BACKOFF_MAX", "Actions", "ErpUnreachable"]

CLOCK_SKEW = timedelta(seconds=5)  # between machines sharing a store (run NTP; a margin, not a sync)


class Actions(Guarded):
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
        self.shared_history = False  # several workers: catch up on their decisions (robot.running.worker)
        self._known: set[int] = set()  # invoice ids already in the duplicate index
        self._caught_up: dict[str, datetime] = {}  # supplier key -> last catch-up (UTC)
        self._loaded_at: datetime | None = None  # when priors() loaded the index
        self._fence: Fencing | None = None  # the lease on the invoice in hand (workers), else None

    # --- one invoice ----------------------------------------------------------------------------

    def process(
        self,
        invoice_id: int,
        run_id: int,
        *,
        dry_run: bool = False,
        max_attempts: int = 5,
        fence: Fencing | None = None,
        erp_backoff: timedelta = ERP_BACKOFF,
        erp_backoff_max: timedelta = ERP_BACKOFF_MAX,
    ) -> str | None:
        """Take the invoice as far as it can go. Returns a problem description, or None.

        ``fence``: the worker's lease on the invoice; every side effect is checked against it.
        """
        if dry_run:  # it would write to the store: a dry run decides in memory (robot.processing.dry_run)
            raise ValueError("a dry run never processes through Actions; see robot.processing.dry_run.DryRun")
        return self.under_fence(
            fence,
            run_id,
            lambda: self._process(invoice_id, run_id, max_attempts, erp_backoff, erp_backoff_max),
        )

    def _process(
        self,
        invoice_id: int,
        run_id: int,
        max_attempts: int,
        erp_backoff: timedelta,
        erp_backoff_max: timedelta,
    ) -> str | None:
        def work() -> None:
            row, doc = self.store.document_of(invoice_id)
            if row.state in (InvoiceState.RECEIVED, InvoiceState.READ) or row.verdict is None:
                self._classify(row, doc, run_id)
            else:
                self._carry_out(row, doc, run_id)

        return self.guarded(invoice_id, run_id, work, max_attempts, erp_backoff, erp_backoff_max)

    def _classify(self, row: InvoiceRow, doc: Document, run_id: int) -> None:
        """Read, classify and decide in memory, record it all in one transaction (then hand over).

        A new invoice (``received``) and one resumed after ``read`` (its ``read`` recorded by an
        earlier step) take this same path. With several workers, invoices that could find each
        other in the history are classified one at a time across workers (locks in the store,
        :meth:`serialised_on`), so a duplicate cannot slip through between two workers.
        """
        invoice, read_error, read_recorded = decision.read_to_decide(
            row, doc.content, doc.filename, self.pdf_templates
        )
        if not self.shared_history or invoice is None:
            posting = self._decide(row, invoice, read_error, doc, run_id, read_recorded)
        else:
            with self.store.serial_transaction(self.serialised_on(HistoryKey.of(invoice, doc.sha256))) as tx:
                if not isinstance(self.master.history, StoreHistory):  # the store's sees it all
                    self.catch_up(supplier_key(invoice), doc.sha256, tx)
                posting = self._decide(row, invoice, read_error, doc, run_id, read_recorded, tx)
        if posting is not None:
            hand_over(self.store, self.ledger, row.id, posting, run_id, fence=self._fence)

    def serialised_on(self, key: HistoryKey) -> list[str]:
        """What deciding the invoice of ``key`` takes turns on across workers
        (``WorkQueue.serial_transaction``).

        The store's history asks only about the invoice's own number, amount and bytes, so only
        invoices sharing one of those wait for each other
        (:func:`robot.store.history.serialising_names`); the in-memory index catches up per supplier
        (:meth:`catch_up`), so it waits for the supplier's other invoices.
        """
        if isinstance(self.master.history, StoreHistory):
            return serialising_names(key)
        return [key.supplier_key]

    def catch_up(self, key: str, sha256: str, tx: Session | None) -> None:
        """Add to the duplicate index what other workers decided for this supplier or these bytes.

        Called under the supplier's lock, so every other decision for this supplier is committed;
        only rows changed since the last catch-up (less a margin for clock skew) are read.
        """
        started = utcnow()
        last = self._caught_up.get(key)
        since = last - CLOCK_SKEW if last is not None else self._loaded_at
        for h in self.store.history_of(key, sha256, since=since, session=tx):
            if h.invoice_id not in self._known:
                self.master.history.add(self._prior(h))
        self._caught_up[key] = started

    def _decide(
        self,
        row: InvoiceRow,
        invoice: Invoice | None,
        read_error: str | None,
        doc: Document,
        run_id: int,
        read_recorded: bool,
        tx: Session | None = None,
    ) -> Posting | None:
        """The decision (:func:`robot.processing.decision.decide`) recorded; the posting to hand over, if
        any."""
        outcome, posting = self.outcome(row, invoice, read_error, doc, read_recorded)
        self.store.apply(row.id, run_id, outcome, session=tx, worker=self._worker())
        self.remember(row, invoice, doc, outcome, run_id)
        return posting

    def outcome(
        self,
        row: InvoiceRow,
        invoice: Invoice | None,
        read_error: str | None,
        doc: Document,
        read_recorded: bool,
    ) -> tuple[Outcome, Posting | None]:
        """Classify and decide in memory: what the store records, and the posting to hand over."""
        decided = decision.decide_row(
            self.master, self.classifier, row, invoice, read_error, doc.sha256, doc.content
        )
        posting: Posting | None = None
        response: tuple[bytes | None, str | None] = (None, None)
        if decided.verdict == Verdict.POST and invoice is not None:  # decide() holds one with no vendor
            posting = posting_for(row, invoice, self.master, decided.customer_id, doc.sha256, doc.content)
        elif decided.verdict == Verdict.RETURN and invoice is not None:
            blocking = [f for f in decided.findings if f.blocks]
            response = self._reply(row.id, decided.customer_id, invoice, blocking)
        outcome = classified(
            decided,
            read_recorded=read_recorded,
            posting=intent(posting, self.ledger.name) if posting is not None else None,
            response=response[0],
            response_skipped=response[1],
        )
        return outcome, posting

    def remember(
        self, row: InvoiceRow, invoice: Invoice | None, doc: Document, outcome: Outcome, run_id: int
    ) -> None:
        """A decided invoice joins the duplicate history (seen by the next decision) and the log."""
        decision.remember(self.master, row.id, invoice, doc.sha256)
        if invoice is not None:
            self._known.add(row.id)
        logger.bind(run_id=run_id, invoice_id=row.id).info(
            "{} {}: {} {}",
            row.source_ref,
            invoice.number if invoice else "-",
            outcome.values.get("verdict"),
            ",".join(outcome.error_types or ()),
        )

    def _carry_out(self, row: InvoiceRow, doc: Document, run_id: int) -> None:
        """A decision recorded earlier (resumed, or a person's release or return), carried out now:
        the posting intent (recorded once) and the hand-over, the return, or the hold."""
        invoice, _ = decision.read_or_error(row, doc.content, doc.filename, self.pdf_templates)
        verdict = row.verdict or Verdict.HOLD
        blocking = blocking_findings(self.store, row.id)
        posting: Posting | None = None
        response: tuple[bytes | None, str | None] = (None, None)
        if verdict == Verdict.POST and invoice is not None:
            posting = posting_for(row, invoice, self.master, row.customer_id, doc.sha256, doc.content)
        elif verdict == Verdict.RETURN and invoice is not None:
            response = self._reply(row.id, row.customer_id, invoice, blocking)
        recorded = posting is not None and self.store.posting_recorded(row.id)
        outcome = carried_out(
            verdict,
            invoice,
            error_types=row.error_types,
            blocking=blocking,
            posting=intent(posting, self.ledger.name, recorded=recorded) if posting is not None else None,
            response=response[0],
            response_skipped=response[1],
        )
        self._fenced(outcome.step)
        self.store.apply(row.id, run_id, outcome, worker=self._worker())
        if posting is not None and outcome.posting is not None:
            hand_over(self.store, self.ledger, row.id, posting, run_id, fence=self._fence)

    def _reply(
        self, invoice_id: int, customer_id: str | None, invoice: Invoice, blocking: list[Finding]
    ) -> tuple[bytes | None, str | None]:
        """The Invoice Response for a returned invoice, or None and why (:mod:`robot.processing.reply`)."""
        return response_for(self.master, self.responder, invoice_id, customer_id, invoice, blocking)

    # --- the duplicate index ------------------------------------------------------------------------

    def priors(self) -> Iterator[PriorInvoice]:
        """Every decided invoice, for the duplicate index loaded at the start of a run."""
        self._loaded_at = utcnow() - CLOCK_SKEW
        for h in self.store.history():
            yield self._prior(h)

    def share_history(self, since: datetime) -> None:
        """Other workers decide this store's invoices too: before each decision, catch up on what
        they decided for its supplier, from ``since`` on (:mod:`robot.running.worker`)."""
        self._loaded_at = since
        self.shared_history = True

    def _prior(self, h: HistoryRow) -> PriorInvoice:
        """A decided invoice as the store lists it, as the duplicate index knows it (now known)."""
        self._known.add(h.invoice_id)
        return PriorInvoice(h.invoice_id, h.supplier_key, h.invoice_number, h.issue_date, h.payable, h.sha256)
