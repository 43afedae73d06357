"""One run of the robot: fetch → store → read → classify → decide → post | return | hold.

    robot = Robot(store, master, source=source, ledger=ledger, notifier=notifier)
    summary = robot.run(trigger="manual")
    summary.status, summary.counts["posted"], summary.counts["error_types"]

Every step is its own short transaction with an event, so a run stopped at any point (a crash,
SIGKILL, SIGTERM) is finished by the next one: documents are stored before the source forgets
them, a posting is recorded as intended before the ERP is called and the ERP is asked before
posting again, notices wait in the outbox until sent. Application failures (ERP or mail down)
are retried on later runs; after ``max_attempts`` the invoice is held for the creditor team.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import ClassVar

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError

from classifiers.engine import Classifier
from connectors.base import IntakeFailure, Ledger, Notifier, Source, shown
from robot.errors import BusinessError, StoreError
from robot.pdftext import TemplateSet
from robot.processing.actions import ERP_BACKOFF, ERP_BACKOFF_MAX, Actions
from robot.processing.context import MasterData
from robot.processing.dry_run import DryRun
from robot.processing.returns import outcome_of, queue_digests, send_notices
from robot.running.batch_run import BatchRun
from robot.running.claim_ahead import ClaimAhead
from robot.running.run_report import RunSummary, summarise, with_would_be
from robot.store.history import StoreHistory
from robot.store.outbox import Outbox
from robot.store.repo import Store
from robot.store.schema import utcnow

Progress = Callable[[int, int], None]
#: processes the run's pending invoices; returns problems. Default: :meth:`Robot.process` here.
Processor = Callable[[int, "RunOptions"], list[str]]


@dataclass(slots=True)
class RunOptions:
    trigger: str = "manual"
    dry_run: bool = False
    worker: str = ""  # default: host:pid:run
    batch: int = 50
    lease: timedelta = timedelta(minutes=10)  # per invoice; renewed every lease/3 while it is in hand
    max_attempts: int | None = None  # default: the configuration's max_attempts
    fetch: bool = True
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress | None = None
    customers: frozenset[str] = frozenset()  # only these customers' invoices (empty: all)
    processor: Processor | None = None  # e.g. a pool of worker processes (robot.running.worker)
    erp_backoff: timedelta | None = None  # ERP unreachable twice in a row: wait (default: the robot's)
    erp_backoff_max: timedelta | None = None


def _db_error(exc: SQLAlchemyError) -> str:
    """One line: the driver's message (e.g. ``database is locked``), not the SQL and parameters."""
    orig = getattr(exc, "orig", None)
    return f"{type(orig or exc).__name__}: {str(orig or exc).splitlines()[0]}"


class Robot:
    #: the workers of the runs going on in this process, whichever Robot runs them (the scheduler
    #: runs two schedules at once, each with its own Robot): a run frees the claims of this
    #: process's other workers only (an earlier run here that died), never a running one's
    running_here: ClassVar[set[str]] = set()

    def __init__(
        self,
        store: Store,
        master: MasterData,
        *,
        source: Source | None,
        ledger: Ledger,
        notifier: Notifier,
        classifier: Classifier | None = None,
        actions: Actions | None = None,
        max_attempts: int = 5,
        erp_backoff: timedelta = ERP_BACKOFF,
        erp_backoff_max: timedelta = ERP_BACKOFF_MAX,
        pdf_templates: TemplateSet | None = None,
    ) -> None:
        self.store = store
        self.master = master
        self.source = source
        self.ledger = ledger
        self.notifier = notifier
        self.classifier = classifier or Classifier()
        self.outbox = Outbox(store.sessions)
        self.max_attempts = max_attempts
        self.erp_backoff, self.erp_backoff_max = erp_backoff, erp_backoff_max
        self.actions = actions or Actions(store, master, self.classifier, ledger, pdf_templates=pdf_templates)

    def close(self) -> None:
        """Close every connector and the store (connections, HTTP clients)."""
        for part in (self.source, self.ledger, self.notifier):
            if part is not None:
                part.close()
        self.store.close()

    # --- the run ------------------------------------------------------------------------------

    def run(self, options: RunOptions | None = None) -> RunSummary:
        opts = options or RunOptions()
        try:
            run_id = self.store.start_run(opts.trigger, dry_run=opts.dry_run)
        except SQLAlchemyError as exc:  # e.g. SQLite locked past its busy timeout: no run row
            raise StoreError(f"the run could not be recorded, so it did not start: {_db_error(exc)}") from exc
        started = utcnow()
        log = logger.bind(run_id=run_id)
        log.info("run {} started ({})", run_id, opts.trigger)
        # a PDF template that cannot be used is skipped, and said: its supplier's PDFs are read without it
        templates = self.actions.pdf_templates
        problems: list[str] = list(templates.report()) if templates is not None else []
        if not opts.worker:
            opts.worker = f"{socket.gethostname()}:{os.getpid()}:{run_id}"
        self.running_here.add(opts.worker)
        beat = self.store.keep_alive(run_id)  # heartbeat_at stays fresh while this process lives
        dry: DryRun | None = None
        try:
            if opts.dry_run:  # no side effect: decided in memory, only the run record is stored
                dry = self.dry_run(opts)
                problems += dry.problems
            else:
                self.store.release_dead_claims(self.running_here)
                if opts.fetch and self.source is not None:
                    problems += self.fetch(run_id)
                self.master.with_history(StoreHistory.of(self.store))
                problems += (opts.processor or self.process)(run_id, opts)
                problems += self.report_outcomes(run_id)
                problems += self.notify(run_id)
        except Exception as exc:
            log.opt(exception=exc).error("run {} failed: {}", run_id, exc)
            return self._finish(run_id, started, "failed", [*problems, f"{type(exc).__name__}: {exc}"], dry)
        finally:
            beat.stop()
            self.running_here.discard(opts.worker)
        status = "partial" if problems or opts.stop.is_set() else "ok"
        return self._finish(run_id, started, status, problems, dry)

    def _finish(
        self, run_id: int, started: datetime, status: str, problems: list[str], dry: DryRun | None = None
    ) -> RunSummary:
        summary = summarise(self.store, self.outbox, run_id, started, status, problems)
        if dry is not None:  # what would have happened; what is pending in the store is untouched
            summary = with_would_be(summary, [w.to_json() for w in dry.results])
        elif summary.status == "ok" and summary.counts["pending"]:
            summary = summary.with_status("partial")
        try:
            self.store.finish_run(run_id, summary.status, summary.counts, "; ".join(problems[:20]) or None)
        except SQLAlchemyError as exc:  # the store is locked or gone: say so, the run counts as failed
            error = f"the run's end could not be recorded: {_db_error(exc)}"
            logger.bind(run_id=run_id).error("run {}: {}", run_id, error)
            summary = replace(summary, status="failed", problems=(*summary.problems, error))
        logger.bind(run_id=run_id).info("run {} finished: {} {}", run_id, summary.status, summary.counts)
        return summary

    # --- steps ----------------------------------------------------------------------------------

    def dry_run(self, opts: RunOptions) -> DryRun:
        """What a run would do with each pending and each offered invoice (robot.processing.dry_run)."""
        self.master.with_history(StoreHistory.of(self.store))
        dry = DryRun(self.store, self.master, self.classifier, self.actions.pdf_templates)
        dry.run(self.source if opts.fetch else None, customers=opts.customers, stop=opts.stop)
        return dry

    def fetch(self, run_id: int) -> list[str]:
        """Store every document the source offers, then let the source forget it.

        Each item on its own: one the source cannot hand over (an :class:`IntakeFailure`), or
        whose storing or acknowledging fails, is recorded as an ``intake-failed`` event and a run
        problem, and the next item is taken. Only the source failing as a whole ends the fetch.
        """
        assert self.source is not None
        source = self.source.name
        log = logger.bind(run_id=run_id)
        stored, problems = 0, []

        def failed(ref: str, reason: str) -> None:
            ref, reason = shown(ref), shown(reason, 500)
            log.warning("intake from {} failed for {}: {}", source, ref, reason)
            self.store.event(None, run_id, "intake-failed", source=source, source_ref=ref, reason=reason)
            problems.append(f"intake from {source} failed for {ref}: {reason}")

        try:
            for item in self.source.fetch():
                if isinstance(item, IntakeFailure):
                    failed(item.source_ref, item.reason)
                    continue
                try:
                    receipt = self.store.receive(source, item, run_id)
                    self.source.acknowledge(item)
                except Exception as exc:  # this item only: stored or not, it is taken again next run
                    failed(item.source_ref, f"{type(exc).__name__}: {exc}")
                    continue
                stored += receipt.new
        except Exception as exc:  # the source is down: work on what is stored, try again next run
            log.warning("fetching from {} failed: {}", source, exc)
            self.store.event(None, run_id, "fetch-failed", source=source, error=str(exc))
            return [*problems, f"fetch from {source} failed: {exc}"]
        self.store.event(None, run_id, "fetched", source=source, new=stored, failed=len(problems))
        return problems

    def process(self, run_id: int, opts: RunOptions, tried: set[int] | None = None) -> list[str]:
        """Claim pending invoices in batches and take each as far as it can go (on PostgreSQL the
        next batch is claimed and loaded while this one is worked on, :mod:`robot.running.claim_ahead`).

        The new invoices of a batch are read, classified and decided in one transaction
        (:mod:`robot.processing.batch`); each one to post is then handed over on its own, under its
        lease (:class:`Fence`); an invoice decided earlier is carried out on its own. ``tried``
        (updated in place) lets a caller that loops, such as a worker, skip the invoices it already
        tried in this run.
        """
        problems: list[str] = []
        tried = set() if tried is None else tried
        total = len(self.store.pending_ids())
        with ClaimAhead(self.store, opts, tried) as batches:  # the next batch claimed meanwhile
            while not opts.stop.is_set():
                batch = batches.take()
                if not batch.ids:
                    break
                problems += BatchRun(self, run_id, opts, tried, total).run(batch.items)
                if opts.stop.is_set():
                    problems.append("stopped before all invoices were processed")
        return problems

    def report_outcomes(self, run_id: int) -> list[str]:
        """Write each decided invoice's outcome back to the source it came from."""
        if self.source is None:
            return []
        for row in self.store.pending_outcomes():
            if row.source != self.source.name:
                continue
            outcome, detail = outcome_of(self.store, row)
            try:
                self.source.report_outcome(row.source_ref, outcome, detail)
            except BusinessError as exc:  # refused for good (e.g. the case was closed by hand): note it
                self.store.event(row.id, run_id, "outcome-refused", error=exc.message)
                self.store.outcome_reported(row.id, run_id, f"{outcome} (refused)")
                continue
            except Exception as exc:  # the source is down: try again next run
                self.store.event(row.id, run_id, "outcome-failed", error=str(exc))
                return [f"writing outcomes to {self.source.name} failed: {exc}"]
            self.store.outcome_reported(row.id, run_id, outcome)
        return []

    def notify(self, run_id: int) -> list[str]:
        """Queue one digest per customer for newly returned invoices, then send each notice on its
        own: a refused one is held, a failed one waits for the next run
        (robot.processing.returns.send_notices)."""
        queue_digests(
            self.store, self.master, self.outbox, run_id, self.actions.templates, self.actions.contact
        )
        return send_notices(self.outbox, self.notifier, run_id)
