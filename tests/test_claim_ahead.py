"""Issue 17.1: on PostgreSQL a worker claims and loads its next batch while it works on this one
(robot/running/claim_ahead.py), and a batch claimed ahead that it does not get to is let go.

Observed from the store, not timed: while the first batch is being decided the worker holds the
claims of two batches; a stop in the first batch leaves nothing claimed by the worker once the run
is done, and the next run takes every invoice as if nothing had been claimed ahead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from robot.configuration.wiring import build_robot
from robot.running.run import Robot, RunOptions
from robot.store.schema import InvoiceRow
from tests.support.bulk import make_inbox, write_config

pytestmark = pytest.mark.postgres

WORKER = "h:1:ahead"


@pytest.fixture
def robot(pg_fresh_url: str, tmp_path: Path) -> Iterator[Robot]:
    cfg = write_config(tmp_path, database=pg_fresh_url)
    make_inbox(tmp_path / "inbox", 30)
    robot, _ = build_robot(cfg, database_url=pg_fresh_url)
    try:
        yield robot
    finally:
        robot.close()


def _claimed(robot: Robot) -> int:
    with robot.store.sessions() as s:
        return int(s.scalar(select(func.count()).where(InvoiceRow.claimed_by == WORKER)) or 0)


def _watching_decisions(robot: Robot, m: pytest.MonkeyPatch, opts: RunOptions, stop_at: int = 0) -> list[int]:
    """How many invoices the worker holds each time a batch's decisions are written (filled in as
    the run goes); the run is asked to stop at the ``stop_at``-th batch."""
    real, seen = robot.store.apply_many, []

    def apply_many(tx: Any, run_id: int, outcomes: Any, **kwargs: Any) -> None:
        real(tx, run_id, outcomes, **kwargs)
        seen.append(_claimed(robot))
        if len(seen) == stop_at:
            opts.stop.set()

    m.setattr(robot.store, "apply_many", apply_many)
    return seen


def test_the_next_batch_is_claimed_while_this_one_is_decided(robot: Robot) -> None:
    opts = RunOptions(batch=10, worker=WORKER, lease=timedelta(minutes=5))
    with pytest.MonkeyPatch.context() as m:
        seen = _watching_decisions(robot, m, opts)
        summary = robot.run(opts)
    assert summary.counts["posted"] == 30
    # while batch 2 is decided the worker holds it and batch 3, claimed ahead (at batch 1 the
    # claim ahead may not have committed yet); at the last one there is nothing left to claim
    assert seen[1] == 20, seen
    assert seen[-1] == 10, seen
    assert _claimed(robot) == 0


def test_a_stop_lets_go_of_the_batch_claimed_ahead(robot: Robot) -> None:
    opts = RunOptions(batch=10, worker=WORKER, lease=timedelta(minutes=5))
    with pytest.MonkeyPatch.context() as m:
        _watching_decisions(robot, m, opts, stop_at=1)
        stopped = robot.run(opts)
    assert stopped.status == "partial" and stopped.counts["pending"] == 30, stopped.counts
    assert list(stopped.problems) == ["stopped before all invoices were processed"]
    # the batch in hand was decided and let go before its hand-over; the batch claimed ahead is
    # released too, not left to its lease
    assert _claimed(robot) == 0
    again = robot.run(RunOptions(batch=10, lease=timedelta(minutes=5)))
    assert again.status == "ok" and again.counts["posted"] == 30
