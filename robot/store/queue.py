"""The work queue: pending invoices claimed by workers under a lease.

PostgreSQL claims with ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers never claim the
same invoice; an expired lease (a dead worker on any machine) returns the invoice to the pool, and
a dead process on this machine is noticed at once (:meth:`WorkQueue.release_dead_claims`).
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

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

    def claim(self, worker: str, limit: int, lease: timedelta, *, exclude: Iterable[int] = ()) -> list[int]:
        """Claim up to ``limit`` pending invoices for ``worker`` until the lease expires.

        PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so several workers never claim the same invoice;
        an expired lease (a dead worker) returns the invoice to the pool.
        """
        now = utcnow()
        with self.sessions.begin() as s:
            query = (
                select(InvoiceRow.id)
                .where(
                    InvoiceRow.state.in_(InvoiceState.PENDING),
                    or_(InvoiceRow.lease_until.is_(None), InvoiceRow.lease_until < now),
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
        digest = hashlib.sha256(f"supplier:{supplier_key}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        with self.sessions.begin() as s:
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
            yield s

    def release(self, invoice_id: int, worker: str) -> None:
        with self.sessions.begin() as s:
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id == invoice_id, InvoiceRow.claimed_by == worker)
                .values(claimed_by=None, lease_until=None)
            )

    def renew(self, invoice_id: int, worker: str, lease: timedelta) -> bool:
        """Extend ``worker``'s lease on a pending invoice; False if the claim is no longer its own."""
        with self.sessions.begin() as s:
            result = s.execute(
                update(InvoiceRow)
                .where(
                    InvoiceRow.id == invoice_id,
                    InvoiceRow.claimed_by == worker,
                    InvoiceRow.state.in_(InvoiceState.PENDING),
                )
                .values(lease_until=utcnow() + lease)
            )
            return bool(getattr(result, "rowcount", 0))

    def customer_of(self, invoice_id: int) -> str | None:
        """The invoice's customer: as classified, else as the purchase system's metadata says."""
        with self.sessions() as s:
            row = s.get_one(InvoiceRow, invoice_id)
            return row.customer_id or (row.source_meta or {}).get("customer")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
