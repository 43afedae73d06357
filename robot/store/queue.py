"""The work queue: pending invoices claimed by workers under a lease.

PostgreSQL claims with ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers never claim the
same invoice; an expired lease (a dead worker on any machine) returns the invoice to the pool, and
a dead process on this machine is noticed at once (:meth:`WorkQueue.release_dead_claims`).

A claimed invoice is held through a :class:`Fence`: renewed right before the worker takes it,
renewed by a heartbeat thread every lease/3 while it is in hand (an ERP call included), and
verified again (one ``UPDATE ... WHERE id = ? AND claimed_by = ?``) immediately before each side
effect. A worker whose claim is gone gets :class:`LeaseLost` and touches the invoice no further.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from types import TracebackType

from loguru import logger
from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from robot.store.schema import InvoiceRow, InvoiceState, utcnow


class WorkQueue:
    """Mixin of :class:`robot.store.repo.Store` for claiming invoices."""

    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        raise NotImplementedError

    def pending_ids(self) -> list[int]:
        """Invoices with work left: not yet decided, or decided to post but not yet posted."""
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(InvoiceRow.id)
                    .where(InvoiceRow.state.in_(InvoiceState.PENDING))
                    .order_by(InvoiceRow.id)
                )
            )

    def claimable_ids(self) -> list[int]:
        """Pending invoices a worker may claim now: not waiting out an ERP back-off."""
        now = utcnow()
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(InvoiceRow.id)
                    .where(
                        InvoiceRow.state.in_(InvoiceState.PENDING),
                        or_(InvoiceRow.retry_after.is_(None), InvoiceRow.retry_after <= now),
                    )
                    .order_by(InvoiceRow.id)
                )
            )

    def claim(self, worker: str, limit: int, lease: timedelta, *, exclude: Iterable[int] = ()) -> list[int]:
        """Claim up to ``limit`` pending invoices for ``worker`` until the lease expires.

        PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so several workers never claim the same invoice;
        an expired lease (a dead worker) returns the invoice to the pool. Invoices waiting out an
        ERP back-off (``retry_after`` in the future) are left alone.
        """
        now = utcnow()
        with self.sessions.begin() as s:
            query = (
                select(InvoiceRow.id)
                .where(
                    InvoiceRow.state.in_(InvoiceState.PENDING),
                    or_(InvoiceRow.lease_until.is_(None), InvoiceRow.lease_until < now),
                    or_(InvoiceRow.retry_after.is_(None), InvoiceRow.retry_after <= now),
                )
                .order_by(InvoiceRow.id)
                .limit(limit)
            )
            skip = list(exclude)
            if skip:
                query = query.where(InvoiceRow.id.notin_(skip))
            if self.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(s.scalars(query))
            if ids:
                s.execute(
                    update(InvoiceRow)
                    .where(InvoiceRow.id.in_(ids))
                    .values(claimed_by=worker, lease_until=now + lease)
                )
            return ids

    def release_dead_claims(self, active_workers: Iterable[str] = ()) -> int:
        """Free invoices claimed by workers on this host that are gone (a crashed or killed process).

        Worker names are ``host:pid:run``. A claim from this host is dead when its process no longer
        exists, or when it is this process but not one of its ``active_workers`` (an earlier run in
        this process that died). Claims from other hosts are freed by lease expiry only.
        """
        host, me = socket.gethostname(), os.getpid()
        active = set(active_workers)
        dead: list[str] = []
        with self.sessions() as s:
            claimers = s.scalars(
                select(InvoiceRow.claimed_by).where(InvoiceRow.claimed_by.is_not(None)).distinct()
            )
            for worker in claimers:
                parts = (worker or "").split(":")
                if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
                    continue
                pid = int(parts[1])
                if (pid == me and worker not in active) or (pid != me and not _alive(pid)):
                    dead.append(worker or "")
        if not dead:
            return 0
        with self.sessions.begin() as s:
            result = s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.claimed_by.in_(dead))
                .values(claimed_by=None, lease_until=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    @contextmanager
    def supplier_transaction(self, supplier_key: str) -> Iterator[Session | None]:
        """A transaction in which one supplier's invoices are decided one at a time across workers.

        PostgreSQL: ``pg_advisory_xact_lock`` on a hash of the key, released when the transaction
        commits, so the catch-up read, the classification and the decision happen under it. SQLite
        runs one worker: there is nothing to serialise and no transaction to share (None).
        """
        if self.dialect != "postgresql":
            yield None
            return
        with self.sessions.begin() as s:
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(supplier_key)})
            yield s

    @contextmanager
    def batch_transaction(
        self, invoice_ids: Sequence[int], worker: str, lease: timedelta, supplier_keys: Iterable[str] = ()
    ) -> Iterator[tuple[Session, set[int]]]:
        """One transaction in which a batch of claimed invoices is decided; yields it and the ids
        still this worker's.

        One ``UPDATE ... WHERE id IN (...) AND claimed_by = worker RETURNING id`` renews the lease
        of every invoice of the batch that is still this worker's and pending, and locks their rows
        until the commit (another worker's claim or renewal waits, then finds them decided), so the
        decisions written in the transaction need no further fencing. On PostgreSQL the batch's
        suppliers are locked too (``pg_advisory_xact_lock``, in key order so two workers never
        deadlock), one statement for all of them: the history read, the classifications and the
        decisions happen under them, as :meth:`supplier_transaction` does for one invoice.
        """
        with self.sessions.begin() as s:
            keys = sorted({_lock_key(k) for k in supplier_keys})
            if keys and self.dialect == "postgresql":
                s.execute(
                    text(
                        "SELECT count(pg_advisory_xact_lock(k)) FROM "
                        "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
                    ),
                    {"keys": keys},
                )
            owned: set[int] = set()
            if invoice_ids:
                owned = set(
                    s.scalars(
                        update(InvoiceRow)
                        .where(
                            InvoiceRow.id.in_(list(invoice_ids)),
                            InvoiceRow.claimed_by == worker,
                            InvoiceRow.state.in_(InvoiceState.PENDING),
                        )
                        .values(lease_until=utcnow() + lease)
                        .returning(InvoiceRow.id)
                    )
                )
            yield s, owned

    def release_many(self, invoice_ids: Sequence[int], worker: str) -> None:
        """Let go of several claims at once (a stopped run's batch tail)."""
        if not invoice_ids:
            return
        with self.sessions.begin() as s:
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id.in_(list(invoice_ids)), InvoiceRow.claimed_by == worker)
                .values(claimed_by=None, lease_until=None)
            )

    def release(self, invoice_id: int, worker: str) -> None:
        with self.sessions.begin() as s:
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id == invoice_id, InvoiceRow.claimed_by == worker)
                .values(claimed_by=None, lease_until=None)
            )

    def renew(self, invoice_id: int, worker: str, lease: timedelta) -> bool:
        """Extend ``worker``'s lease on a pending invoice; False if the claim is no longer its own.

        This is also the fencing check: it succeeds only while nobody else has claimed the invoice
        (claiming rewrites ``claimed_by``) and it is still pending, and it leaves a full lease.
        """
        query = (
            update(InvoiceRow)
            .where(
                InvoiceRow.id == invoice_id,
                InvoiceRow.claimed_by == worker,
                InvoiceRow.state.in_(InvoiceState.PENDING),
            )
            .values(lease_until=utcnow() + lease)
        )
        with self.sessions() as s:  # one statement, committed by itself: one round trip, no BEGIN
            result = s.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).execute(query)
            return bool(getattr(result, "rowcount", 0))

    def customer_of(self, invoice_id: int) -> str | None:
        """The invoice's customer: as classified, else as the purchase system's metadata says."""
        with self.sessions() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            return row.customer_id or (row.source_meta or {}).get("customer")


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

    def __init__(self, queue: WorkQueue, invoice_id: int, worker: str, lease: timedelta) -> None:
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


def _lock_key(supplier_key: str) -> int:
    """The advisory lock number of a supplier (the same for every worker)."""
    digest = hashlib.sha256(f"supplier:{supplier_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
