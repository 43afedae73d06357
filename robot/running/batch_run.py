"""One claimed batch of a run: decided together, handed over together.

:class:`BatchRun` is the body of :meth:`robot.running.run.Robot.process` for one batch of claimed
invoices: the new ones are decided in one transaction (:func:`robot.processing.batch.decide_batch`),
then those to post are handed over together (:func:`robot.processing.handover_batch.hand_over_batch`:
the deciding transaction's renewal of their claims while it is fresh, else one renewal for all,
verified before each ERP call, a heartbeat while the calls run; one flush of the ERP's journal; one
statement recording the numbers on PostgreSQL). A batch's tail whose
lease lapsed while it waited and that another worker took is left to that worker (the fence says
so). Invoices decided earlier (resumed, released by a person) are carried out one at a time, as are
all of a batch whose transaction failed as a whole. A stop (SIGTERM) finishes the invoice in hand
and lets go of the rest.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, TypedDict

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError

from robot.processing.batch import decide_batch, is_new
from robot.processing.handover_batch import hand_over_batch
from robot.store.fence import Fence, LeaseLost
from robot.store.queue import customer_of_row
from robot.store.schema import Document, InvoiceRow

if TYPE_CHECKING:
    from robot.running.run import Robot, RunOptions


class Limits(TypedDict):
    """How long an invoice is tried (:meth:`robot.processing.guard.Guarded.guarded`): the run's, else
    the robot's."""

    max_attempts: int
    erp_backoff: timedelta
    erp_backoff_max: timedelta


class BatchRun:
    def __init__(self, robot: Robot, run_id: int, opts: RunOptions, tried: set[int], total: int) -> None:
        self.robot, self.run_id, self.opts, self.tried, self.total = robot, run_id, opts, tried, total
        self.problems: list[str] = []
        self.limits = Limits(
            max_attempts=opts.max_attempts or robot.max_attempts,
            erp_backoff=robot.erp_backoff if opts.erp_backoff is None else opts.erp_backoff,
            erp_backoff_max=robot.erp_backoff_max if opts.erp_backoff_max is None else opts.erp_backoff_max,
        )

    def run(self, items: list[tuple[InvoiceRow, Document]]) -> list[str]:
        """The batch's claimed invoices, with their rows and documents (``Store.documents_of``)."""
        opts, store = self.opts, self.robot.store
        if opts.customers:  # only these customers' invoices: let go of the others at once
            others = {r.id for r, _ in items if customer_of_row(r) not in opts.customers}
            store.release_many(sorted(others), opts.worker)
            items = [(r, d) for r, d in items if r.id not in others]
        new = [(r, d) for r, d in items if is_new(r)] if not opts.dry_run else []
        if new:
            self._decide(new)
        for row, _ in items:
            if row.id in self.tried:
                continue
            if opts.stop.is_set():
                store.release(row.id, opts.worker)
                continue
            self.tried.add(row.id)
            self._one(row.id)
        return self.problems

    def _decide(self, new: list[tuple[InvoiceRow, Document]]) -> None:
        robot, opts = self.robot, self.opts
        try:
            decided = decide_batch(robot.actions, new, self.run_id, worker=opts.worker, lease=opts.lease)
        except SQLAlchemyError as exc:  # nothing of the batch was written: one invoice at a time
            logger.bind(run_id=self.run_id).warning("a batch of {} failed ({}); one at a time", len(new), exc)
            return
        for invoice_id in [*decided.lost, *decided.final]:
            self._done(invoice_id)
        for invoice_id, error in decided.failures:  # each on its own, while it is still this worker's
            self.tried.add(invoice_id)
            try:
                failed = robot.actions.failed(
                    invoice_id, self.run_id, error, self.limits["max_attempts"], worker=opts.worker
                )
            except LeaseLost as lost:
                robot.actions.lease_lost(lost, self.run_id)
            else:
                self.problems.append(failed)
            self._progress()
        if not decided.postings:
            return
        # the deciding transaction's renewal of the claims (while fresh), one flush of the ERP's
        # journal and one statement recording the numbers
        handed = hand_over_batch(
            robot.actions,
            decided.postings,
            self.run_id,
            worker=opts.worker,
            lease=opts.lease,
            stop=opts.stop,
            renewed_at=decided.renewed_at,
            **self.limits,
        )
        self.problems.extend(handed.problems)
        for invoice_id in handed.finished:
            self._done(invoice_id)
        self.tried.update(handed.stopped)
        robot.store.release_many(handed.stopped, opts.worker)

    def _one(self, invoice_id: int) -> None:
        """An invoice decided earlier (or of a failed batch), the whole way on its own."""
        # Leases are per invoice: renew this one right before taking it (one statement). A batch's
        # tail may have lapsed while it waited; if another worker took it (or finished it) the
        # renewal fails and this worker does not touch it.
        fence = self._fence(invoice_id)
        if not fence.take():
            return
        with fence:
            problem = self.robot.actions.process(
                invoice_id, self.run_id, dry_run=self.opts.dry_run, fence=fence, **self.limits
            )
        self._done(invoice_id, problem)

    def _fence(self, invoice_id: int) -> Fence:
        """This worker's lease on the invoice, for the time it is in hand."""
        return Fence(self.robot.store, invoice_id, self.opts.worker, self.opts.lease)

    def _done(self, invoice_id: int, problem: str | None = None) -> None:
        self.tried.add(invoice_id)
        if problem:
            self.problems.append(problem)
        self._progress()

    def _progress(self) -> None:
        if self.opts.progress:
            self.opts.progress(len(self.tried), max(self.total, len(self.tried)))
