"""Issue 17.1: a batch of claimed invoices is decided in one transaction, posted one at a time.

One bad document holds (or fails) only itself; a crash anywhere in a batch — inside its
transaction, between the decisions and the postings, between two postings — loses nothing and
posts nothing twice; and the statements sent per invoice are bounded (counted with a SQLAlchemy
event listener, not timed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from connectors.testing.fakes import MemoryLedger, SimulatedCrash
from robot.configuration.wiring import build_robot
from robot.processing import decision
from robot.running.run import Robot, RunOptions
from robot.store.history import StoreHistory
from robot.store.schema import Event, InvoiceRow, InvoiceState
from tests.support.bulk import make_inbox, write_config

BAD = b"<Invoice>this is not an invoice"


def _robot(cfg: Path, url: str | None = None, ledger: MemoryLedger | None = None) -> Robot:
    robot, _ = build_robot(cfg, database_url=url)
    if ledger is not None:
        robot.ledger.close()
        robot.ledger = robot.actions.ledger = ledger
    return robot


@pytest.fixture
def robot_dir(tmp_path: Path) -> Iterator[Path]:
    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 12)
    yield cfg


def _states(robot: Robot) -> dict[str, str]:
    with robot.store.sessions() as s:
        return {r.source_ref: r.state for r in s.scalars(select(InvoiceRow))}


def test_an_unreadable_document_in_a_batch_holds_only_itself(robot_dir: Path) -> None:
    (robot_dir.parent / "inbox" / "zz-broken.xml").write_bytes(BAD)
    robot = _robot(robot_dir)
    try:
        summary = robot.run(RunOptions(batch=50))
        states = _states(robot)
    finally:
        robot.close()
    broken = [ref for ref in states if "zz-broken" in ref]
    assert [states[ref] for ref in broken] == [InvoiceState.HELD]
    assert summary.counts["posted"] == 12 and summary.counts["held"] == 1


def test_a_document_whose_reading_crashes_fails_alone_and_the_batch_is_decided(
    robot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = decision.read_or_error
    victim: list[int] = []

    def crashing(row: InvoiceRow, *args: Any) -> Any:
        if not victim:
            victim.append(row.id)
        if row.id == victim[0]:
            raise RuntimeError("the reader fell over")
        return real(row, *args)

    monkeypatch.setattr(decision, "read_or_error", crashing)
    robot = _robot(robot_dir)
    try:
        summary = robot.run(RunOptions(batch=50))
        row = robot.store.invoice(victim[0])
        with robot.store.sessions() as s:
            kinds = list(s.scalars(select(Event.kind).where(Event.invoice_id == victim[0])))
    finally:
        robot.close()
    assert summary.counts["posted"] == 11 and summary.counts["pending"] == 1
    assert row.state == InvoiceState.RECEIVED and row.attempts == 1 and row.claimed_by is None
    assert "process-failed" in kinds and "the reader fell over" in (row.last_error or "")


@pytest.mark.parametrize("crash_call", [1, 5, 12])
def test_a_crash_between_the_postings_of_a_batch_loses_nothing_and_posts_nothing_twice(
    robot_dir: Path, crash_call: int
) -> None:
    ledger = MemoryLedger(crash_after={crash_call})
    robot = _robot(robot_dir, ledger=ledger)
    try:
        with pytest.raises(SimulatedCrash):
            robot.run(RunOptions(batch=50))
        assert len(ledger.posted) == crash_call
        again = robot.run(RunOptions(batch=50))
        states = _states(robot)
    finally:
        robot.close()
    assert again.status == "ok"
    assert set(states.values()) == {InvoiceState.POSTED} and len(states) == 12
    assert len(ledger.posted) == 12 == ledger.post_calls  # the crashed one was found, not posted again


def test_a_crash_inside_the_batch_transaction_writes_nothing_of_it(
    robot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = MemoryLedger()
    robot = _robot(robot_dir, ledger=ledger)

    def die(*args: Any, **kwargs: Any) -> None:
        raise SimulatedCrash("killed while the batch's decisions were written")

    try:
        with monkeypatch.context() as m:
            m.setattr(robot.store, "apply_many", die)
            with pytest.raises(SimulatedCrash):
                robot.run(RunOptions(batch=50))
        assert set(_states(robot).values()) == {InvoiceState.RECEIVED}  # rolled back, all of it
        assert ledger.post_calls == 0
        again = robot.run(RunOptions(batch=50))
        with robot.store.sessions() as s:
            classified = Counter(s.scalars(select(Event.invoice_id).where(Event.kind == "classified")))
    finally:
        robot.close()
    assert again.status == "ok" and again.counts["posted"] == 12
    assert len(ledger.posted) == 12 == ledger.post_calls
    assert len(classified) == 12 and set(classified.values()) == {1}


def _statements_per_invoice(cfg: Path, url: str | None, n: int, *, shared: bool) -> float:
    robot = _robot(cfg, url, ledger=MemoryLedger())
    try:
        run_id = robot.store.start_run()
        robot.fetch(run_id)
        robot.master.with_history(StoreHistory.of(robot.store))
        robot.actions.shared_history = shared
        sent: list[str] = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(robot.store.engine, "before_cursor_execute", listener)
        problems = robot.process(run_id, RunOptions(worker="h:1:w1", fetch=False, batch=50))
        event.remove(robot.store.engine, "before_cursor_execute", listener)
        assert problems == [] and robot.store.count_by_state() == {InvoiceState.POSTED: n}
        return len(sent) / n
    finally:
        robot.close()


def test_the_statements_per_invoice_are_bounded_on_sqlite(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 100)
    per = _statements_per_invoice(cfg, None, 100, shared=False)
    # per invoice: the fence before `find` and before `post`, the confirmation (3 writes); the
    # batch's claim, read, decision and history cost a few statements per 50 invoices
    assert per <= 6.0, per


@pytest.mark.postgres
def test_the_statements_per_invoice_are_bounded_on_postgresql(pg_fresh_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, database=pg_fresh_url)
    make_inbox(tmp_path / "inbox", 100)
    per = _statements_per_invoice(cfg, pg_fresh_url, 100, shared=True)
    # the two fences and the confirmation are one statement each (no BEGIN/COMMIT round trips)
    assert per <= 3.6, per
