"""A batch's invoices handed over to the ERP together: one lease renewal (none while the deciding
transaction's is fresh), one disk flush of the ERP's journal and one statement recording the
numbers (PostgreSQL; a transaction elsewhere), instead of one of each per invoice.

:func:`hand_over_batch` takes the invoices a batch decided to post (their decisions and posting
intents are committed, :mod:`robot.processing.batch`). Under one
:class:`~robot.store.fence.BatchFence` (renewed for all in one statement, or by the deciding
transaction while that is fresh; checked before every ERP call) each invoice is asked of the ERP
and posted only if the ERP does not have it (:func:`~robot.processing.handover.erp_number`),
inside the ledger's
:meth:`~connectors.base.Ledger.posting_batch`; when that block is left every posting is durable,
and only then are the numbers recorded, all at once
(:meth:`~robot.store.completions.Completions.complete_postings`). The exactly-once rules are
those of one invoice: the intent is in the store before the ERP is called, the ERP is asked
before it is posted to, and a crash anywhere leaves intents that the next holder finds in the
ERP (``find``) and records. An ERP that cannot be reached, a refusal or a failure is handled for
that invoice alone, as :meth:`~robot.processing.guard.Guarded.guarded` does for one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from connectors.base import Ledger, Posting
from robot.errors import TransientError
from robot.processing.handover import ErpUnreachable, erp_number, log_posted
from robot.store.completions import Posted
from robot.store.fence import BatchFence, LeaseLost

if TYPE_CHECKING:
    from robot.processing.actions import Actions


@dataclass
class HandedOver:
    """What became of a batch's invoices: each is in ``finished`` or ``stopped``."""

    finished: list[int] = field(default_factory=list)  # posted, held, backed off, failed or lost
    stopped: list[int] = field(default_factory=list)  # not started: the run was asked to stop
    problems: list[str] = field(default_factory=list)


def hand_over_batch(
    actions: Actions,
    items: list[tuple[int, Posting]],
    run_id: int,
    *,
    worker: str,
    lease: timedelta,
    stop: threading.Event,
    max_attempts: int,
    erp_backoff: timedelta,
    erp_backoff_max: timedelta,
    renewed_at: float | None = None,
) -> HandedOver:
    """Hand over ``items`` (invoice id, posting) under one lease renewal and one ERP flush.

    ``renewed_at``: when (``time.monotonic``) the statement that renewed their claims last started
    (:attr:`robot.processing.batch.Decided.renewed_at`); while fresh, it is the renewal."""
    store, ledger = actions.store, actions.ledger
    out = HandedOver()
    fence = BatchFence(store, [invoice_id for invoice_id, _ in items], worker, lease)
    fence.take(renewed_at)
    for invoice_id in sorted(fence.lost):  # another worker has it now (or it is finished)
        actions.lease_lost(LeaseLost(invoice_id, worker, "handing over"), run_id)
    posted: list[Posted] = []
    limits = (max_attempts, erp_backoff, erp_backoff_max)

    def settle(invoice_id: int, work: Callable[[], None]) -> None:
        """``work`` on one invoice under its lease, its failures recorded as ``guarded`` does."""

        def guarded() -> str | None:
            return actions.guarded(invoice_id, run_id, work, *limits)

        problem = actions.under_fence(fence.of(invoice_id), run_id, guarded)
        if problem:
            out.problems.append(problem)

    def one(invoice_id: int, posting: Posting) -> None:
        def work() -> None:
            answer = erp_number(store, ledger, invoice_id, posting, run_id, fence=fence.of(invoice_id))
            if answer is not None:
                posted.append((invoice_id, *answer))

        settle(invoice_id, work)

    def failing(which: list[Posted], exc: Exception) -> None:
        """Each of ``which`` failed with ``exc`` after its ERP call: backed off or an attempt spent."""
        for invoice_id, _, _ in which:
            settle(invoice_id, _raising(exc))

    with fence:
        try:
            with _posting_batch(ledger):
                for invoice_id, posting in items:
                    if invoice_id in fence.lost:
                        out.finished.append(invoice_id)
                    elif stop.is_set():
                        out.stopped.append(invoice_id)
                    else:
                        one(invoice_id, posting)
                        out.finished.append(invoice_id)
                        if not posted or posted[-1][0] != invoice_id:
                            fence.done(invoice_id)  # held, backed off or lost: not renewed again
        except TransientError as exc:  # the postings are not durable: none is recorded as posted
            failing(posted, ErpUnreachable(exc))
            posted = []
        try:
            lost = store.complete_postings(posted, run_id, worker=worker)
        except Exception as exc:  # as when recording one invoice fails: an attempt each
            failing(posted, exc)
            posted, lost = [], set()
    for invoice_id in sorted(lost):
        actions.lease_lost(LeaseLost(invoice_id, worker, "recording the posting"), run_id)
    for invoice_id, number, found in posted:
        if invoice_id not in lost:
            log_posted(ledger, run_id, invoice_id, number, found)
    return out


def _posting_batch(ledger: Ledger) -> AbstractContextManager[None]:
    """The ledger's :meth:`~connectors.base.Ledger.posting_batch`; a bare object with only ``find``
    and ``post`` (not derived from the contract: a test's double) posts durably one by one."""
    batch = getattr(ledger, "posting_batch", None)
    return batch() if callable(batch) else nullcontext()


def _raising(exc: Exception) -> Callable[[], None]:
    """Work that fails with ``exc`` (what went wrong after the ERP call, recorded by ``guarded``)."""

    def work() -> None:
        raise exc

    return work
