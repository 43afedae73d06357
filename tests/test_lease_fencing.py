"""Issue 9.2: two workers must never hand the same invoice to the ERP.

The race of old: one worker's batch was claimed under one lease, renewing one invoice reset the
timer for the whole batch, and nothing renewed the lease during an ERP call. With a lease shorter
than the ERP's answer time, a second worker claimed the invoice whose posting was still in flight,
asked the ERP (nothing there yet) and posted it again. Now leases are per invoice, a heartbeat
renews the one in hand during the ERP call, and a fence check precedes every ERP call.

Hand-overs are counted at the ERP: every ``post`` call a ledger receives, per idempotency key.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from connectors.base import Ledger, Posting
from robot.configuration.wiring import build_robot
from robot.running.run import Robot, RunOptions
from robot.running.worker import drain
from robot.store.schema import Event, InvoiceRow, InvoiceState
from tests.support.bulk import make_inbox, write_config


class CountingLedger:
    """Wraps the configured ledger: counts every hand-over (``post`` call) and can be slow."""

    def __init__(self, inner: Ledger, counts: Counter[str], *, post_seconds: float = 0.0) -> None:
        self.inner, self.counts, self.post_seconds = inner, counts, post_seconds
        self.name = inner.name
        self._lock = threading.Lock()
        self.on_find: Callable[[Posting], None] = lambda posting: None

    def find(self, posting: Posting) -> str | None:
        self.on_find(posting)
        return self.inner.find(posting)

    def post(self, posting: Posting) -> str:
        with self._lock:
            self.counts[posting.idempotency_key] += 1
        time.sleep(self.post_seconds)  # the ERP takes longer than a lease to answer
        return self.inner.post(posting)

    def close(self) -> None:
        self.inner.close()


def _with_ledger(robot: Robot, ledger: CountingLedger) -> Robot:
    robot.ledger = robot.actions.ledger = ledger
    return robot


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_two_workers_with_a_lease_shorter_than_the_erp_never_post_twice(
    pg_fresh_url: str, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path, database=pg_fresh_url)
    make_inbox(tmp_path / "inbox", 6)
    counts: Counter[str] = Counter()
    lease = timedelta(seconds=1.5)  # shorter than one ERP post (2 s), far shorter than a batch
    done: dict[str, int] = {}
    problems: list[str] = []

    def worker(name: str, run_id: int, delay: float) -> None:
        robot, _ = build_robot(cfg, database_url=pg_fresh_url)
        try:
            inner = robot.ledger
            _with_ledger(robot, CountingLedger(inner, counts, post_seconds=2.0))
            robot.master.with_history(robot.actions.priors())
            robot.actions.shared_history = True
            time.sleep(delay)  # the second worker arrives while the first one is busy
            opts = RunOptions(worker=name, fetch=False, batch=6, lease=lease)
            tried, found = drain(robot, run_id, opts, poll_seconds=0.1)
            done[name] = tried
            problems.extend(found)
        finally:
            robot.ledger.close()
            robot.store.close()

    host, pid = socket.gethostname(), os.getpid()
    names = [f"{host}:{pid}:tA", f"{host}:{pid}:tB"]

    def pool(run_id: int, opts: RunOptions) -> list[str]:
        threads = [
            threading.Thread(target=worker, args=(name, run_id, delay))
            for name, delay in zip(names, (0.0, 0.3), strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(100)
        return list(problems)

    robot, _ = build_robot(cfg, database_url=pg_fresh_url)
    try:
        summary = robot.run(RunOptions(trigger="worker", processor=pool))
        store = robot.store
        with store.sessions() as s:
            posted_events = Counter(s.scalars(select(Event.invoice_id).where(Event.kind == "posted")))
            states = dict(s.execute(select(InvoiceRow.state, func.count()).group_by(InvoiceRow.state)).all())
    finally:
        robot.close()
    twice = {k: n for k, n in counts.items() if n > 1}
    assert twice == {}, f"handed to the ERP more than once: {twice}"
    assert len(counts) == 6 and summary.counts["posted"] == 6, (counts, summary.problems)
    assert states == {InvoiceState.POSTED: 6}
    assert len(posted_events) == 6 and set(posted_events.values()) == {1}
    # the second worker really took over part of the first one's batch (the tail, not in flight)
    assert all(done.get(n) for n in names), done


def test_a_worker_whose_lease_is_taken_during_the_lookup_does_not_post(tmp_path: Path) -> None:
    """The fence: the claim is taken over while the worker talks to the ERP; it posts nothing."""
    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 2)
    counts: Counter[str] = Counter()
    robot, _ = build_robot(cfg)
    ledger = CountingLedger(robot.ledger, counts)
    _with_ledger(robot, ledger)
    stolen: list[int] = []

    def take_over(posting: Posting) -> None:  # another worker claims the invoice mid-lookup
        with robot.store.sessions.begin() as s:
            row_id = s.scalar(
                select(InvoiceRow.id)
                .where(InvoiceRow.state.in_(InvoiceState.PENDING))
                .order_by(InvoiceRow.id)
            )
            assert row_id is not None
            s.execute(update(InvoiceRow).where(InvoiceRow.id == row_id).values(claimed_by="elsewhere:1:w9"))
            stolen.append(row_id)
        ledger.on_find = lambda posting: None  # only the first lookup

    ledger.on_find = take_over
    try:
        summary = robot.run(RunOptions())
        victim = stolen[0]
        row = robot.store.invoice(victim)
        with robot.store.sessions() as s:
            kinds = list(s.scalars(select(Event.kind).where(Event.invoice_id == victim).order_by(Event.id)))
    finally:
        robot.close()
    assert summary.counts["posted"] == 1  # the other invoice
    assert len(counts) == 1 and set(counts.values()) == {1}  # the stolen one was never posted by us
    assert row.state == InvoiceState.CLASSIFIED and row.claimed_by == "elsewhere:1:w9"  # left to its holder
    assert "posted" not in kinds and kinds[-1] == "lease-lost"


def test_the_heartbeat_keeps_the_lease_during_a_long_call(tmp_path: Path) -> None:
    from robot.store.queue import Fence  # new in issue 9.2 (the other tests run on older code too)

    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 1)
    robot, _ = build_robot(cfg)
    try:
        run_id = robot.store.start_run()
        robot.fetch(run_id)
        (invoice_id,) = robot.store.claim("h:1:w1", 5, timedelta(seconds=0.6))
        fence = Fence(robot.store, invoice_id, "h:1:w1", timedelta(seconds=0.6))
        assert fence.take()
        with fence:
            time.sleep(1.5)  # two and a half leases
            assert robot.store.claim("h:2:w2", 5, timedelta(seconds=5)) == []  # still ours
            assert not fence.lost and fence.renewals >= 3
            fence.check("posting")
        assert robot.store.claim("h:2:w2", 5, timedelta(seconds=5)) == []
        time.sleep(0.7)  # no heartbeat any more: the lease runs out and the invoice is free
        assert robot.store.claim("h:2:w2", 5, timedelta(seconds=5)) == [invoice_id]
        assert not fence.take()
    finally:
        robot.close()
