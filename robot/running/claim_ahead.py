"""A worker's batches, the next one claimed and loaded while the current one is worked on.

:meth:`robot.running.run.Robot.process` takes one batch after another: claim (one statement,
committed by itself), load the rows and documents (one query), then read, decide and hand over.
On PostgreSQL the claim and the load of batch N+1 wait on the server while batch N is being read
and decided, so :class:`ClaimAhead` sends them from a thread as soon as batch N is taken: the
worker finds the next batch loaded when it is done with this one. The claims are ordinary claims
(under their lease, skipped by other workers); batch N's invoices and every one tried so far are
excluded as before. A batch claimed ahead that the worker does not get to (a stop, an error) is
released when the worker is done (:meth:`ClaimAhead.close`), so nothing stays claimed by a worker
that has stopped. SQLite (one worker, one writer at a time) claims each batch when it is taken.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from robot.store.schema import Document, InvoiceRow

if TYPE_CHECKING:
    from robot.running.run import RunOptions
    from robot.store.repo import Store


@dataclass(frozen=True, slots=True)
class Batch:
    """Claimed invoices (ids in order) and their rows and documents, loaded in one query."""

    ids: list[int] = field(default_factory=list)
    items: list[tuple[InvoiceRow, Document]] = field(default_factory=list)


class ClaimAhead:
    """The batches of one worker's ``process``; use as a context manager (``close`` on the way out)."""

    def __init__(self, store: Store, opts: RunOptions, tried: set[int]) -> None:
        self.store, self.opts, self.tried = store, opts, tried
        self.ahead = store.dialect == "postgresql"
        self._pool: ThreadPoolExecutor | None = None
        self._next: Future[Batch] | None = None

    def __enter__(self) -> ClaimAhead:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def take(self) -> Batch:
        """The next batch (empty: nothing left to claim); the one after it is claimed meanwhile."""
        if self._next is not None:
            batch, self._next = self._next.result(), None
        else:
            batch = self._claim(self.tried)
        if batch.ids and self.ahead and not self.opts.stop.is_set():
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="claim-ahead")
            self._next = self._pool.submit(self._claim, {*self.tried, *batch.ids})
        return batch

    def close(self) -> None:
        """Wait for a claim in flight and release what it claimed (not worked on), then stop."""
        pending, self._next = self._next, None
        try:
            if pending is not None:
                self._release(pending)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _claim(self, exclude: set[int]) -> Batch:
        opts = self.opts
        ids = self.store.claim(opts.worker, opts.batch, opts.lease, exclude=exclude)
        return Batch(ids, self.store.documents_of(ids)) if ids else Batch()

    def _release(self, pending: Future[Batch]) -> None:
        try:
            batch = pending.result()
        except Exception:  # nothing was claimed, or the claim's commit is lost: leases lapse
            return
        self.store.release_many(batch.ids, self.opts.worker)
