"""The work queue: pending invoices claimed by workers under a lease.

PostgreSQL claims with ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers never claim the
same invoice; an expired lease (a dead worker on any machine) returns the invoice to the pool, and
a dead process on this machine is noticed at once (:meth:`WorkQueue.release_dead_claims`).

A claimed invoice is held through a :class:`robot.store.fence.Fence` (:meth:`WorkQueue.renew` is
its one statement); a worker whose claim is gone gets :class:`~robot.store.fence.LeaseLost`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from robot.store import queue_sql as sql
from robot.store.fence import Fence, LeaseLost
from robot.store.schema import InvoiceRow, InvoiceState, utcnow

__all__ = ["Fence", "LeaseLost", "WorkQueue", "customer_of_row"]  # Fence and LeaseLost: robot.store.fence


class WorkQueue:
    """Mixin of :class:`robot.store.repo.Store` for claiming invoices."""

    engine: Engine
    sessions: sessionmaker[Session]
    _probe_connection: PoolProxiedConnection | None  # still_claims_many' (PostgreSQL), at need
    _probe_lock: threading.Lock  # the store's threads take turns on it

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
        """Claim up to ``limit`` pending invoices for ``worker`` until the lease expires; their ids
        in order.

        PostgreSQL claims in one statement, committed by itself (``UPDATE ... WHERE id IN (SELECT
        ... FOR UPDATE SKIP LOCKED) RETURNING id``), so several workers never claim the same
        invoice; ``exclude`` is one array parameter there, however many invoices a run has tried.
        An expired lease (a dead worker) returns the invoice to the pool. Invoices waiting out an
        ERP back-off (``retry_after`` in the future) are left alone.
        """
        now = utcnow()
        skip = list(exclude)
        if self.dialect == "postgresql":
            params = {"now": now, "limit": limit, "skip": skip, "worker": worker, "until": now + lease}
            with self.sessions() as s:  # one round trip, no BEGIN
                connection = s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                return sorted(int(i) for i in connection.execute(sql.CLAIM, params).scalars())
        with self.sessions.begin() as s:
            query = sql.claimable(bindparam("now")).order_by(InvoiceRow.id).limit(limit)
            if skip:
                query = query.where(InvoiceRow.id.notin_(skip))
            ids = list(s.scalars(query, {"now": now}))
            if ids:
                s.execute(
                    update(InvoiceRow)
                    .where(InvoiceRow.id.in_(ids))
                    .values(claimed_by=worker, lease_until=now + lease)
                )
            return ids

    def release_dead_claims(self, active_workers: Iterable[str] = ()) -> int:
        """Free the pending invoices claimed by workers on this host that are gone (a crashed or killed
        process).

        Worker names are ``host:pid:run``. A claim from this host is dead when its process no longer
        exists, or when it is this process but not one of its ``active_workers`` (an earlier run in
        this process that died). Claims from other hosts are freed by lease expiry only.
        """
        host, me = socket.gethostname(), os.getpid()
        active = set(active_workers)
        dead: list[str] = []
        with self.sessions() as s:
            claimers = s.scalars(
                select(InvoiceRow.claimed_by)
                .where(InvoiceRow.state.in_(InvoiceState.PENDING), InvoiceRow.claimed_by.is_not(None))
                .distinct()
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
                .where(InvoiceRow.state.in_(InvoiceState.PENDING), InvoiceRow.claimed_by.in_(dead))
                .values(claimed_by=None, lease_until=None, **sql.KEEP_UPDATED_AT)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    @contextmanager
    def serial_transaction(self, names: Iterable[str]) -> Iterator[Session | None]:
        """A transaction in which one invoice is decided, serialised across workers on ``names``.

        PostgreSQL: ``pg_advisory_xact_lock`` on a hash of each name (what its duplicate questions
        can find, :meth:`robot.processing.actions.Actions.serialised_on`), released when the
        transaction commits, so the history read, the classification and the decision happen under
        them. SQLite runs one worker: there is nothing to serialise and no transaction to share (None).
        """
        if self.dialect != "postgresql":
            yield None
            return
        with self.sessions.begin() as s:
            self._lock_names(s, names)
            yield s

    @contextmanager
    def batch_transaction(
        self, invoice_ids: Sequence[int], worker: str, lease: timedelta, names: Iterable[str] = ()
    ) -> Iterator[tuple[Session, set[int]]]:
        """One transaction in which a batch of claimed invoices is decided; yields it and the ids
        still this worker's.

        The rows of the invoices of the batch that are still this worker's and pending are locked
        until the commit (another worker's claim skips them, a renewal waits, then finds them
        decided), so the decisions written in the transaction need no further fencing. On
        PostgreSQL that is one ``SELECT ... FOR UPDATE``, and the decisions renew the lease of what
        stays claimed (:meth:`~robot.store.decisions.Decisions.apply_many`'s ``lease_until``): a
        row gets one new version in the transaction, not two, and each version of an invoice row
        costs an entry in every one of its indexes. SQLite (one worker) renews the lease in the
        first statement (``UPDATE ... RETURNING id``), which takes the file's write lock at once:
        a transaction that read first could not take it after another writer's commit. On
        PostgreSQL the batch's ``names`` are locked first, as :meth:`serial_transaction` does for
        one invoice: the history read, the classifications and the decisions happen under them.
        """
        with self.sessions.begin() as s:
            self._lock_names(s, names)
            owned: set[int] = set()
            if invoice_ids and self.dialect == "postgresql":
                owned = set(s.scalars(sql.locking(invoice_ids, worker)))
            elif invoice_ids:
                owned = set(s.scalars(sql.renewal(invoice_ids, worker, lease)))
            yield s, owned

    def _lock_names(self, s: Session, names: Iterable[str]) -> None:
        """``pg_advisory_xact_lock`` on every name, one statement, in key order (so two workers never
        deadlock); nothing on SQLite."""
        keys = sorted({sql.lock_key(name) for name in names})
        if keys and self.dialect == "postgresql":
            s.execute(
                text(
                    "SELECT count(pg_advisory_xact_lock(k)) FROM "
                    "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
                ),
                {"keys": keys},
            )

    def release_many(self, invoice_ids: Sequence[int], worker: str) -> None:
        """Let go of several claims at once (a stopped run's batch tail)."""
        if not invoice_ids:
            return
        with self.sessions.begin() as s:
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id.in_(list(invoice_ids)), InvoiceRow.claimed_by == worker)
                .values(claimed_by=None, lease_until=None, **sql.KEEP_UPDATED_AT)
            )

    def release(self, invoice_id: int, worker: str) -> None:
        with self.sessions.begin() as s:
            s.execute(
                update(InvoiceRow)
                .where(InvoiceRow.id == invoice_id, InvoiceRow.claimed_by == worker)
                .values(claimed_by=None, lease_until=None, **sql.KEEP_UPDATED_AT)
            )

    def renew(self, invoice_id: int, worker: str, lease: timedelta) -> bool:
        """Extend ``worker``'s lease on a pending invoice; False if the claim is no longer its own.

        This is also the fencing check: it succeeds only while nobody else has claimed the invoice
        (claiming rewrites ``claimed_by``) and it is still pending, and it leaves a full lease.
        """
        return bool(self.renew_many([invoice_id], worker, lease))

    def renew_many(self, invoice_ids: Sequence[int], worker: str, lease: timedelta) -> set[int]:
        """:meth:`renew` for a batch in one statement: the ids whose claim is still ``worker``'s."""
        if not invoice_ids:
            return set()
        query = sql.renewal(invoice_ids, worker, lease)
        with self.sessions() as s:  # one statement, committed by itself: one round trip, no BEGIN
            connection = s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return {int(i) for i in connection.execute(query).scalars()}

    def still_claims_many(self, invoice_ids: Sequence[int], worker: str) -> set[int]:
        """The invoices of ``invoice_ids`` whose claim is still ``worker``'s and that are pending: a
        read, nothing written (no commit to flush), for a fence whose lease is fresh
        (:class:`~robot.store.fence.BatchFence`).

        It is asked while a batch is handed over, so it costs one round trip and little else: on
        PostgreSQL one prepared statement (the ids an array) on a driver connection this store
        keeps for it, in autocommit, outside the pool (a third of what the same statement costs
        through SQLAlchemy, measured: 60 against 190 µs); SQLite asks through a session, which
        costs no round trip. A connection the server dropped is replaced once."""
        ids = [int(i) for i in invoice_ids]
        if not ids:
            return set()
        if self.dialect != "postgresql":
            with self.sessions() as s:
                return set(s.scalars(sql.STILL_CLAIMED, {"ids": ids, "worker": worker}))
        params = {"ids": ids, "worker": worker, "pending": list(InvoiceState.PENDING)}
        with self._probe_lock:
            for attempt in (1, 2):
                try:
                    answer = self._probe().execute(sql.STILL_CLAIMED_PG, params, prepare=True)
                    return {int(row[0]) for row in answer.fetchall()}
                except self.engine.dialect.loaded_dbapi.OperationalError:
                    self.close_probe()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _probe(self) -> Any:
        """The driver connection :meth:`still_claims_many` asks on (opened at the first question, in
        autocommit, detached from the pool: never handed to anything else)."""
        if self._probe_connection is None:
            pooled = self.engine.raw_connection()
            pooled.detach()  # closed with its proxy: by close_probe, or when the store is collected
            pooled.dbapi_connection.autocommit = True  # type: ignore[union-attr]
            self._probe_connection = pooled
        return self._probe_connection.dbapi_connection

    def close_probe(self) -> None:
        connection, self._probe_connection = self._probe_connection, None
        if connection is not None:
            with suppress(Exception):  # already gone
                connection.close()

    def customer_of(self, invoice_id: int) -> str | None:
        """The invoice's customer: as classified, else as the purchase system's metadata says."""
        with self.sessions() as s:
            return customer_of_row(s.get_one(InvoiceRow, invoice_id))


def customer_of_row(row: InvoiceRow) -> str | None:
    """The invoice's customer: as classified, else as the purchase system's metadata says."""
    return row.customer_id or (row.source_meta or {}).get("customer")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
