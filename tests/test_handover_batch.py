"""Issue 17.1: a batch's invoices are handed over to the ERP together.

Per invoice there stays what exactly-once needs (the ERP asked before it is posted to, the claim
verified right before each ERP call); what was written and flushed once per invoice is shared by
the batch: one lease renewal, one fsync of the journal, one transaction recording the numbers.
Counted, not timed: the writes and commits sent to the store (a SQLAlchemy listener) and the
journal's fsyncs. A journal that cannot be made durable records nothing as posted, and a crash
after the postings and before their numbers are recorded loses nothing and posts nothing twice.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from connectors.journal import JournalLedger
from connectors.testing.fakes import SimulatedCrash, sample_posting
from robot.configuration.wiring import build_robot
from robot.errors import TransientError
from robot.running.run import Robot, RunOptions
from robot.store.fence import VERIFIED_FOR, BatchFence, LeaseLost
from robot.store.history import StoreHistory
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, InvoiceState
from tests.support.bulk import make_inbox, write_config
from tests.support.storerows import add_invoice

WORKER = "h:1:w1"
WRITES = ("INSERT", "UPDATE", "DELETE", "COMMIT")


def _counting_fsync(synced: list[int]) -> Any:
    """``os.fsync`` that also notes each call."""
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    return fsync


def _failing_fsync(fd: int) -> None:
    raise OSError(5, "Input/output error")


class FakeQueue:
    """The store's side of a :class:`BatchFence`: who holds what, and the statements sent."""

    def __init__(self, ours: set[int]) -> None:
        self.ours = ours
        self.renewed: list[list[int]] = []
        self.reads = 0

    def renew_many(self, invoice_ids: Any, worker: str, lease: timedelta) -> set[int]:
        self.renewed.append(list(invoice_ids))
        return {i for i in invoice_ids if i in self.ours}

    def still_claims_many(self, invoice_ids: Any, worker: str) -> set[int]:
        self.reads += 1
        return {i for i in invoice_ids if i in self.ours}


def test_a_batch_fence_renews_all_once_then_only_reads_while_fresh() -> None:
    now = [0.0]
    queue = FakeQueue({1, 2, 3})
    fence = BatchFence(queue, [1, 2, 3, 4], WORKER, timedelta(seconds=30), clock=lambda: now[0])
    assert fence.take() == {1, 2, 3} and fence.lost == {4}
    assert queue.renewed == [[1, 2, 3, 4]]
    fence.check(1, "posting to the ERP")
    assert queue.reads == 0  # the renewal found the claims ours: for VERIFIED_FOR nothing is sent
    now[0] = 1.0
    fence.check(1, "posting to the ERP")
    fence.check(2, "posting to the ERP")
    # fresh: one read verifies the batch's claims (no write), and it counts for VERIFIED_FOR
    assert queue.renewed == [[1, 2, 3, 4]] and queue.reads == 1
    with pytest.raises(LeaseLost, match="invoice 4: lease of h:1:w1 lost before posting"):
        fence.check(4, "posting to the ERP")
    now[0] = 10.0  # a third of the lease has passed: the invoice in hand is renewed, alone
    fence.check(3, "asking the ERP")
    assert queue.renewed[-1] == [3]


def test_a_verification_counts_for_a_tenth_of_a_second_then_the_tail_is_read_again() -> None:
    now = [0.0]
    queue = FakeQueue({1, 2, 3})
    fence = BatchFence(queue, [1, 2, 3], WORKER, timedelta(seconds=30), clock=lambda: now[0])
    fence.take(renewed_at=0.0)
    fence.check(1, "posting to the ERP")
    fence.done(1)  # posted: not asked about again
    assert queue.reads == 1
    queue.ours.discard(3)  # taken over after the read (a claim freed otherwise than by its lease)
    now[0] = VERIFIED_FOR / 2
    fence.check(2, "posting to the ERP")  # within the read's tenth of a second: answered by it
    assert queue.reads == 1
    now[0] = VERIFIED_FOR  # a slow ERP: the next call is verified again, with the rest of the batch
    with pytest.raises(LeaseLost):
        fence.check(3, "posting to the ERP")
    assert queue.reads == 2 and fence.lost == {3}


def test_a_fresh_renewal_of_the_deciding_transaction_is_taken_and_a_stale_one_is_not() -> None:
    now = [100.0]
    queue = FakeQueue({1, 2})
    fence = BatchFence(queue, [1, 2], WORKER, timedelta(seconds=30), clock=lambda: now[0])
    assert fence.take(renewed_at=95.0) == {1, 2} and queue.renewed == []  # 5 s old: fresh, nothing sent
    queue.ours.discard(2)  # taken over after the deciding transaction: found before the post
    fence.check(1, "posting to the ERP")
    with pytest.raises(LeaseLost):
        fence.check(2, "posting to the ERP")
    assert queue.reads == 1  # one read of the batch found both
    now[0] = 105.0  # the renewal taken at 95 is now 10 s old: a third of the lease, renewed alone
    fence.check(1, "posting to the ERP")
    assert queue.renewed == [[1]]
    stale = BatchFence(queue, [1, 3], WORKER, timedelta(seconds=30), clock=lambda: now[0])
    assert stale.take(renewed_at=90.0) == {1} and queue.renewed[-1] == [1, 3]  # too old: renewed now


def test_asking_the_erp_sends_nothing_while_fresh_and_posting_is_verified() -> None:
    now = [0.0]
    queue = FakeQueue({1, 2})
    fence = BatchFence(queue, [1, 2, 3], WORKER, timedelta(seconds=30), clock=lambda: now[0])
    fence.take()
    fence.hold(1, "asking the ERP")
    assert queue.reads == 0 and queue.renewed == [[1, 2, 3]]  # a lookup: no statement
    queue.ours.discard(1)  # taken over during the lookup (which took longer than VERIFIED_FOR)
    now[0] = VERIFIED_FOR
    with pytest.raises(LeaseLost):
        fence.check(1, "posting to the ERP")  # found before the post
    with pytest.raises(LeaseLost):
        fence.hold(3, "asking the ERP")  # known lost at take(): not even asked
    now[0] = 10.0
    fence.hold(2, "asking the ERP")  # stale: renewed alone, as before a side effect
    assert queue.renewed[-1] == [2] and queue.reads == 1


def test_a_claim_taken_over_while_fresh_is_found_before_the_erp_call() -> None:
    now = [0.0]
    queue = FakeQueue({1, 2})
    fence = BatchFence(queue, [1, 2], WORKER, timedelta(minutes=5), clock=lambda: now[0])
    fence.take()
    queue.ours.discard(2)  # another worker took it (this one was taken for dead)
    now[0] = VERIFIED_FOR  # the renewal no longer counts as the verification
    fence.check(1, "posting to the ERP")
    with pytest.raises(LeaseLost):
        fence.check(2, "posting to the ERP")
    assert fence.lost == {2}


def test_the_journal_is_flushed_once_for_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr("connectors.journal.os.fsync", _counting_fsync(synced))
    ledger = JournalLedger(tmp_path / "journal.jsonl")
    first = sample_posting()
    ledger.post(first)
    assert len(synced) == 1  # outside a batch: durable when post returns
    with ledger.posting_batch():
        numbers = [ledger.post(sample_posting(f"V-1000:B-{n}")) for n in range(5)]
        assert len(synced) == 1  # written, not yet flushed
        assert len(JournalLedger(tmp_path / "journal.jsonl").entries()) == 6  # others see them
    assert len(synced) == 2 and numbers == [f"PI-00000{n}" for n in range(2, 7)]
    with ledger.posting_batch():
        ledger.find(first)
    assert len(synced) == 2  # nothing posted: nothing to flush


def test_a_journal_that_cannot_be_flushed_fails_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = JournalLedger(tmp_path / "journal.jsonl")
    expected = r"cannot make journal .* durable: .*Input/output error"
    with pytest.raises(TransientError, match=expected), ledger.posting_batch():
        ledger.post(sample_posting())
        monkeypatch.setattr("connectors.journal.os.fsync", _failing_fsync)


def _robot(cfg: Path, url: str | None = None) -> Robot:
    return build_robot(cfg, database_url=url)[0]


@pytest.fixture
def hundred(tmp_path: Path) -> Path:
    make_inbox(tmp_path / "inbox", 100)
    return write_config(tmp_path)


def _writes_per_invoice(cfg: Path, url: str | None, n: int) -> tuple[float, int]:
    """Writes and commits sent to the store per invoice by the processing step, and fsyncs."""
    robot = _robot(cfg, url)
    synced: list[int] = []
    try:
        run_id = robot.store.start_run()
        robot.fetch(run_id)
        robot.master.with_history(StoreHistory.of(robot.store))
        sent: list[str] = []
        listener = lambda *args: sent.append(str(args[2]).lstrip().upper())  # noqa: E731
        commits: list[int] = []
        event.listen(robot.store.engine, "before_cursor_execute", listener)
        event.listen(robot.store.engine, "commit", lambda *_: commits.append(1))
        with pytest.MonkeyPatch.context() as m:
            m.setattr("connectors.journal.os.fsync", _counting_fsync(synced))
            problems = robot.process(run_id, RunOptions(worker=WORKER, fetch=False, batch=50))
        event.remove(robot.store.engine, "before_cursor_execute", listener)
        assert problems == [] and robot.store.count_by_state() == {InvoiceState.POSTED: n}
        writes = sum(1 for statement in sent if statement.startswith(WRITES))
        # an autocommitted write (a renewal, PostgreSQL's completion) is its own commit
        return (writes + len(commits)) / n, len(synced)
    finally:
        robot.close()


def test_writes_and_flushes_are_per_batch_on_sqlite(hundred: Path) -> None:
    per, fsyncs = _writes_per_invoice(hundred, None, 100)
    # one at a time it was three writes an invoice (two renewals, the completion) and an fsync each
    assert per <= 0.5, per
    assert fsyncs == 2  # two batches of 50


@pytest.mark.postgres
def test_writes_and_flushes_are_per_batch_on_postgresql(pg_fresh_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, database=pg_fresh_url)
    make_inbox(tmp_path / "inbox", 100)
    per, fsyncs = _writes_per_invoice(cfg, pg_fresh_url, 100)
    assert per <= 0.5, per
    assert fsyncs == 2


def _journal_keys(cfg: Path) -> Counter[str]:
    lines = (cfg.parent / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    return Counter(json.loads(line)["idempotency_key"] for line in lines)


def _posted_events(robot: Robot) -> Counter[int]:
    with robot.store.sessions() as s:
        return Counter(s.scalars(select(Event.invoice_id).where(Event.kind == "posted")))


def test_a_crash_before_the_numbers_are_recorded_loses_nothing_and_posts_nothing_twice(hundred: Path) -> None:
    robot = _robot(hundred)
    try:

        def die(*args: Any, **kwargs: Any) -> set[int]:
            raise SimulatedCrash("power cut after the ERP calls, before the numbers are recorded")

        with pytest.MonkeyPatch.context() as m:
            m.setattr(robot.store, "complete_postings", die)
            with pytest.raises(SimulatedCrash):
                robot.run(RunOptions(batch=50, worker=WORKER, lease=timedelta(milliseconds=1)))
        assert sum(_journal_keys(hundred).values()) == 50  # the first batch reached the ERP
        with robot.store.sessions() as s:
            assert s.scalar(select(InvoiceRow.id).where(InvoiceRow.state == InvoiceState.POSTED)) is None
        again = robot.run(RunOptions(batch=50))
        events = _posted_events(robot)
        with robot.store.sessions() as s:
            found = sum(
                1
                for e in s.scalars(select(Event).where(Event.kind == "posted"))
                if e.detail["found_existing"]
            )
    finally:
        robot.close()
    assert again.counts["posted"] == 100
    keys = _journal_keys(hundred)
    assert len(keys) == 100 and set(keys.values()) == {1}  # each handed over once
    assert len(events) == 100 and set(events.values()) == {1}
    assert found == 50  # the batch cut off was found in the ERP, not posted again


def test_a_journal_flush_that_fails_records_none_of_the_batch_as_posted(
    hundred: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    robot = _robot(hundred)
    try:
        with monkeypatch.context() as m:
            m.setattr("connectors.journal.os.fsync", _failing_fsync)
            first = robot.run(RunOptions(batch=50))
        assert first.counts["posted"] == 0
        with robot.store.sessions() as s:
            backed_off = s.scalars(select(InvoiceRow.erp_unreachable)).all()
        assert len(backed_off) == 100 and set(backed_off) == {1}  # each backed off, no attempt spent
        with robot.store.sessions() as s:
            s.execute(InvoiceRow.__table__.update().values(retry_after=None))  # type: ignore[attr-defined]
            s.commit()
        again = robot.run(RunOptions(batch=50))
        events = _posted_events(robot)
    finally:
        robot.close()
    assert again.counts["posted"] == 100
    keys = _journal_keys(hundred)
    assert len(keys) == 100 and set(keys.values()) == {1}
    assert len(events) == 100 and set(events.values()) == {1}


@pytest.mark.postgres
def test_the_claim_check_is_one_statement_on_a_kept_connection_that_survives_a_restart(
    pg_fresh_url: str,
) -> None:
    import psycopg

    store = Store.open(pg_fresh_url)
    try:
        with store.sessions.begin() as s:
            row = add_invoice(s, 1, state=InvoiceState.RECEIVED, claimed_by=WORKER)
        sent: list[str] = []
        assert store.still_claims_many([row.id], WORKER) == {
            row.id
        }  # the first question opens the connection
        probe = store._probe()
        execute = probe.execute

        def counted(query: str, *args: object, **kwargs: object) -> object:
            sent.append(query)
            return execute(query, *args, **kwargs)

        probe.execute = counted
        listener = lambda *args: sent.append(str(args[2]))  # noqa: E731
        event.listen(store.engine, "before_cursor_execute", listener)  # nothing through the pool
        assert store.still_claims_many([row.id], WORKER) == {row.id}
        assert store.still_claims_many([row.id], "h:2:w2") == set()
        assert len(sent) == 2 and all(s.lstrip().upper().startswith("SELECT") for s in sent)
        backend = probe.info.backend_pid
        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True) as c:
            c.execute("SELECT pg_terminate_backend(%s)", (backend,))  # as a server restart would
        assert store.still_claims_many([row.id], WORKER) == {row.id}  # asked again on a new connection
        event.remove(store.engine, "before_cursor_execute", listener)
    finally:
        store.close()
