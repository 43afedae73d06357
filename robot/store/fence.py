"""A worker's hold on claimed invoices while they are in hand: :class:`Fence` for one,
:class:`BatchFence` for a batch's postings.

A claimed invoice (:meth:`robot.store.queue.WorkQueue.claim`) is renewed right before the worker
takes it, renewed by a heartbeat thread every lease/3 while it is in hand (an ERP call included),
and verified again immediately before each side effect (:class:`Fence`: a renewal,
:meth:`~robot.store.queue.WorkQueue.renew`; :class:`BatchFence`: a read while the renewal is
fresh). A worker whose claim is gone gets :class:`LeaseLost` and touches the invoice no further.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Protocol, Self

from loguru import logger


class Renewing(Protocol):
    """What a fence renews its lease through (:meth:`robot.store.queue.WorkQueue.renew`)."""

    def renew(self, invoice_id: int, worker: str, lease: timedelta) -> bool: ...


class LeaseLost(Exception):
    """This worker's claim on an invoice is gone: it lapsed and another worker took it, or it is done."""

    def __init__(self, invoice_id: int, worker: str, step: str) -> None:
        super().__init__(f"invoice {invoice_id}: lease of {worker} lost before {step}")
        self.invoice_id, self.worker, self.step = invoice_id, worker, step


class _Heartbeat:
    """Inside ``with``: a thread runs :meth:`_beat` (which waits on ``_stop``) until the block ends."""

    _stop: threading.Event
    _thread: threading.Thread | None

    def _beat(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class Fence(_Heartbeat):
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

    def hold(self, step: str) -> None:
        """Before a step without a side effect (asking the ERP): renewed as before a side effect."""
        self.check(step)

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


class Fencing(Protocol):
    """What a side effect is fenced by: the worker, and a check right before it (:class:`Fence`,
    or one invoice of a :class:`BatchFence`)."""

    @property
    def worker(self) -> str: ...

    def check(self, step: str) -> None: ...

    def hold(self, step: str) -> None:
        """The invoice is in hand for a step without a side effect (a lookup); raises
        :class:`LeaseLost` when its claim is known to be gone. Verifying it is left to ``check``."""
        ...


class RenewingMany(Protocol):
    """What a batch's fence renews through (:meth:`robot.store.queue.WorkQueue.renew_many`)."""

    def renew_many(self, invoice_ids: Sequence[int], worker: str, lease: timedelta) -> set[int]: ...

    def still_claims_many(self, invoice_ids: Sequence[int], worker: str) -> set[int]: ...


#: how long (s) a read that found a batch's claims still the worker's counts as their verification
#: (:class:`BatchFence`): with a fast ERP a batch's calls are verified by one read, with a slow one
#: each call that comes later is verified again (with the rest of the batch, in one read)
VERIFIED_FOR = 0.1


class BatchFence(_Heartbeat):
    """One worker's hold on the invoices of a batch while it hands them over, one after the other.

    ``take()`` renews every claim in one statement and keeps the invoices still this worker's (the
    others are ``lost``). ``hold(invoice_id, step)`` takes an invoice in hand for a lookup (no
    statement while its renewal is fresh). ``check(invoice_id, step)`` right before a side effect
    verifies that the claim is still this worker's: while the invoice's last renewal is fresh
    (started less than lease/3 ago: two thirds of a lease at least are left, measured from before
    the statement that set it) by a read, which commits nothing, else by renewing that invoice
    alone; it raises :class:`LeaseLost` when the claim is gone (its lease lapsed and another worker
    took it, or the worker was taken for dead). The read asks for every claim of the batch still
    held and counts for :data:`VERIFIED_FOR` (0.1 s, measured from before it was sent): the
    checks of the batch's next invoices within that time are answered by it. While the renewal is
    fresh no other worker can take an invoice over by its lease (two thirds of it are left), so
    what the read can find is a claim freed otherwise, seen at most 0.1 s later than by a read of
    its own. Inside ``with fence:`` a heartbeat renews the
    invoice in hand (the last one held or checked) every lease/3, as :class:`Fence` does; the batch's tail
    is not renewed, so when the ERP is slow its lease lapses and another worker may take it over
    (this worker's check then finds it gone). With a fast ERP the whole batch is handed over on the
    one renewal of ``take()``. Store writes that finish an invoice stay conditional on
    ``claimed_by = worker``.
    """

    def __init__(
        self,
        queue: RenewingMany,
        invoice_ids: Iterable[int],
        worker: str,
        lease: timedelta,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.queue, self.worker, self.lease, self.clock = queue, worker, lease, clock
        self.held: set[int] = set(invoice_ids)
        self.lost: set[int] = set()
        self.renewals = 0  # renewals sent
        self.reads = 0  # verifications sent
        self._renewed: dict[int, float] = {}  # invoice -> when its last renewal started
        self._verified: dict[int, float] = {}  # invoice -> when the last read that found it ours started
        self._in_hand: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def fresh_for(self) -> float:
        """Seconds a renewal counts as fresh (lease/3)."""
        return self.lease.total_seconds() / 3

    def take(self, renewed_at: float | None = None) -> set[int]:
        """Renew every claim now; the invoices still this worker's (the others are ``lost``).

        ``renewed_at``: the time (this fence's clock) a statement that renewed every claim of the
        batch started (the batch's deciding transaction); while that is fresh nothing is sent, and
        :meth:`check` verifies each claim before its side effect as after a renewal here."""
        if renewed_at is not None and self.clock() - renewed_at < self.fresh_for:
            self._renewed.update(dict.fromkeys(self.held, renewed_at))
        else:
            self._renew(sorted(self.held))
        return set(self.held)

    def check(self, invoice_id: int, step: str) -> None:
        """The fence for one invoice's side effect: raises :class:`LeaseLost` when its claim is gone."""
        self._in_hand_for(invoice_id, step, verify=True)

    def hold(self, invoice_id: int, step: str) -> None:
        """The invoice is in hand (the heartbeat renews it) for a step without a side effect: no
        statement while its renewal is fresh; :meth:`check` verifies before the side effect."""
        self._in_hand_for(invoice_id, step, verify=False)

    def _in_hand_for(self, invoice_id: int, step: str, *, verify: bool) -> None:
        """Take the invoice in hand: renewed alone when its renewal is stale, else (``verify``) read
        to see that it is still this worker's; LeaseLost when it is not."""
        self._in_hand = invoice_id
        age = self.clock() - self._renewed.get(invoice_id, -math.inf)
        if invoice_id in self.held:
            if age >= self.fresh_for:
                self._renew([invoice_id])
            elif verify and self.clock() - self._verified.get(invoice_id, -math.inf) >= VERIFIED_FOR:
                self._verify()
        if invoice_id not in self.held:
            raise LeaseLost(invoice_id, self.worker, step)

    def _verify(self) -> None:
        """One read of every claim still held: those another worker has now are ``lost``."""
        with self._lock:
            wanted = sorted(self.held)
        started = self.clock()
        ours = self.queue.still_claims_many(wanted, self.worker)
        self.reads += 1
        for invoice_id in wanted:
            if invoice_id in ours:
                self._verified[invoice_id] = started
            else:  # taken over
                self.done(invoice_id)
                self.lost.add(invoice_id)

    def done(self, invoice_id: int) -> None:
        """The invoice is finished or left: no longer renewed."""
        with self._lock:
            self.held.discard(invoice_id)
            if self._in_hand == invoice_id:
                self._in_hand = None

    def of(self, invoice_id: int) -> HeldInvoice:
        """One invoice's view of this fence, for what fences one invoice (:class:`Fencing`)."""
        return HeldInvoice(self, invoice_id)

    def _renew(self, invoice_ids: list[int]) -> None:
        with self._lock:
            wanted = [i for i in invoice_ids if i in self.held]
            if not wanted:
                return
            started = self.clock()
            ours = self.queue.renew_many(wanted, self.worker, self.lease)
            self.renewals += 1
            for invoice_id in wanted:
                if invoice_id in ours:  # a renewal verifies the claim too
                    self._renewed[invoice_id] = self._verified[invoice_id] = started
                else:
                    self.held.discard(invoice_id)
                    self.lost.add(invoice_id)

    def _beat(self) -> None:
        while not self._stop.wait(max(self.fresh_for, 0.05)):
            in_hand = self._in_hand
            if in_hand is None:
                continue
            try:
                self._renew([in_hand])
            except Exception as exc:  # the database blinked: check() renews before the next effect
                logger.warning("lease heartbeat for invoice {} failed: {}", in_hand, exc)


class HeldInvoice:
    """One invoice of a :class:`BatchFence`, fenced like a :class:`Fence` (``check(step)``)."""

    def __init__(self, fence: BatchFence, invoice_id: int) -> None:
        self.fence, self.invoice_id = fence, invoice_id

    @property
    def worker(self) -> str:
        return self.fence.worker

    def check(self, step: str) -> None:
        self.fence.check(self.invoice_id, step)

    def hold(self, step: str) -> None:
        self.fence.hold(self.invoice_id, step)
