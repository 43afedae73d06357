"""The guard around the work on one invoice (a mixin of :class:`robot.processing.actions.Actions`).

:meth:`Guarded.guarded` runs a step of an invoice and turns what goes wrong into the invoice's
state: an ERP that cannot be reached backs the invoice off (``erp_unreachable``, no attempt
spent), any other application failure is recorded as an attempt (held as
``ROBOT-RETRIES-EXHAUSTED`` after ``max_attempts``). :meth:`Guarded.under_fence` does a step under
the worker's lease (an invoice of its own or one of a batch's, :mod:`robot.processing.handover_batch`);
a lost lease is recorded (``lease-lost``) and the invoice left to its new holder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from loguru import logger

from connectors.base import Ledger
from robot.errors import BusinessError
from robot.processing.findings import robot_finding
from robot.processing.handover import ErpUnreachable
from robot.processing.outcome import held
from robot.store.fence import Fencing, LeaseLost
from robot.store.repo import Store

ERP_BACKOFF = timedelta(minutes=5)  # wait after a second outage in a row; doubles per further one
ERP_BACKOFF_MAX = timedelta(hours=6)


class Guarded:
    """Mixin: the failure handling and the fenced hand-over of :class:`~robot.processing.actions.Actions`."""

    store: Store
    ledger: Ledger
    _fence: Fencing | None

    def guarded(
        self,
        invoice_id: int,
        run_id: int,
        work: Callable[[], None],
        max_attempts: int,
        erp_backoff: timedelta,
        erp_backoff_max: timedelta,
    ) -> str | None:
        """Do ``work`` on the invoice; an unreachable ERP backs it off, any other application failure
        is recorded (and after ``max_attempts`` holds it). Returns the problem, or None."""
        log = logger.bind(run_id=run_id, invoice_id=invoice_id)
        worker = self._worker()
        try:
            work()
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
            return self.failed(invoice_id, run_id, exc, max_attempts, worker=worker)

    def failed(
        self, invoice_id: int, run_id: int, exc: Exception, max_attempts: int, *, worker: str | None
    ) -> str:
        """Record an application failure of the invoice (held after ``max_attempts``); ``worker``:
        only while it still holds the invoice (else :class:`LeaseLost`)."""
        attempts = self.store.step_failed(
            invoice_id, run_id, "process", f"{type(exc).__name__}: {exc}", worker=worker
        )
        logger.bind(run_id=run_id, invoice_id=invoice_id).warning(
            "invoice {} failed (attempt {}): {}", invoice_id, attempts, exc
        )
        if attempts >= max_attempts and not isinstance(exc, BusinessError):
            self._hold_for_failure(invoice_id, run_id, exc, attempts)
        return f"invoice {invoice_id}: {type(exc).__name__}: {exc}"

    def _hold_for_failure(self, invoice_id: int, run_id: int, exc: Exception, attempts: int) -> None:
        finding = robot_finding(
            "ROBOT-RETRIES-EXHAUSTED", f"{attempts} attempts; last: {type(exc).__name__}: {exc}"
        )
        self.store.apply(invoice_id, run_id, held(finding.code, finding))

    # --- the lease (several workers) ----------------------------------------------------------------

    def under_fence(self, fence: Fencing | None, run_id: int, work: Callable[[], str | None]) -> str | None:
        """Do ``work`` on an invoice with ``fence`` as its lease (each side effect is checked against
        it); a lost lease is recorded (``lease-lost``) and the invoice left to its new holder (None)."""
        self._fence = fence
        try:
            return work()
        except LeaseLost as exc:  # another worker has the invoice now: leave it to that worker
            self.lease_lost(exc, run_id)
            return None
        finally:
            self._fence = None

    def _worker(self) -> str | None:
        return self._fence.worker if self._fence is not None else None

    def _fenced(self, step: str) -> None:
        """Verify and renew the lease right before a side effect; raises LeaseLost if it is gone."""
        if self._fence is not None:
            self._fence.check(step)

    def lease_lost(self, exc: LeaseLost, run_id: int) -> None:
        logger.bind(run_id=run_id, invoice_id=exc.invoice_id).warning("{}; left to its new holder", exc)
        self.store.event(exc.invoice_id, run_id, "lease-lost", worker=exc.worker, step=exc.step)
