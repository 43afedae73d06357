"""One worker's hold on one claimed invoice while it is in hand: the :class:`Fence`.

A claimed invoice (:meth:`robot.store.queue.WorkQueue.claim`) is renewed right before the worker
takes it, renewed by a heartbeat thread every lease/3 while it is in hand (an ERP call included),
and verified again (one ``UPDATE ... WHERE id = ? AND claimed_by = ?``,
:meth:`~robot.store.queue.WorkQueue.renew`) immediately before each side effect. A worker whose
claim is gone gets :class:`LeaseLost` and touches the invoice no further.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from types import TracebackType
from typing import Protocol

from loguru import logger


class Renewing(Protocol):
    """What a fence renews its lease through (:meth:`robot.store.queue.WorkQueue.renew`)."""

    def renew(self, invoice_id: int, worker: str, lease: timedelta) -> bool: ...


class LeaseLost(Exception):
    """This worker's claim on an invoice is gone: it lapsed and another worker took it, or it is done."""

    def __init__(self, invoice_id: int, worker: str, step: str) -> None:
        super().__init__(f"invoice {invoice_id}: lease of {worker} lost before {step}")
        self.invoice_id, self.worker, self.step = invoice_id, worker, step


class Fence:
    """One worker's hold on one invoice while it is in hand.

    ``take()`` renews the claim right before the worker starts on the invoice (False: not ours any
    more, do not touch it). Inside ``with fence:`` a heartbeat thread renews the lease every
    lease/3, so a long ERP call does not let it lapse; ``check(step)`` renews it synchronously
    immediately before a side effect and raises :class:`LeaseLost` when the claim is gone (or the
    heartbeat already found it gone). Store writes that finish the invoice are conditional on
    ``claimed_by = worker`` too (``worker`` is passed to them), so a completion is written only if
    the invoice is still ours.
    """

    def __init__(self, queue: Renewing, invoice_id: int, worker: str, lease: timedelta) -> None:
        self.queue, self.invoice_id, self.worker, self.lease = queue, invoice_id, worker, lease
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.renewals = 0

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def take(self) -> bool:
        """Renew before taking the invoice; False when another worker has it (or it is finished)."""
        if self.queue.renew(self.invoice_id, self.worker, self.lease):
            self.renewals += 1
            return True
        self._lost.set()
        return False

    def check(self, step: str) -> None:
        """The fence: renew now, or raise :class:`LeaseLost` (the caller must not do ``step``)."""
        if self._lost.is_set() or not self.queue.renew(self.invoice_id, self.worker, self.lease):
            self._lost.set()
            raise LeaseLost(self.invoice_id, self.worker, step)
        self.renewals += 1

    def __enter__(self) -> Fence:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{self.invoice_id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _beat(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                ours = self.queue.renew(self.invoice_id, self.worker, self.lease)
            except Exception as exc:  # the database blinked: try again at the next beat
                logger.warning("lease heartbeat for invoice {} failed: {}", self.invoice_id, exc)
                continue
            if not ours:
                if not self._stop.is_set():  # not merely finished while we looked
                    self._lost.set()
                return
            self.renewals += 1
