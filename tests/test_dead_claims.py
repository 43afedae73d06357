"""A run frees the claims of this process's runs that died, never those of a run still going on.

The scheduler runs two schedules at once in one process, each with its own Robot: the second
run's start must not take the first run's invoices out of its hands.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceRow
from tests.conftest import SAMPLES, sample_source


def _robot(store: Store, source: MemorySource | None = None) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    return Robot(store, master, source=source, ledger=MemoryLedger(), notifier=MemoryNotifier())


def _claimed_by(store: Store, worker: str) -> int:
    with store.sessions() as s:
        return s.scalar(select(func.count()).where(InvoiceRow.claimed_by == worker)) or 0


def test_a_second_run_in_the_process_leaves_the_first_runs_claims_alone(store: Store) -> None:
    first, second = _robot(store, sample_source()), _robot(store)
    seen: dict[str, int] = {}

    def first_processor(run_id: int, opts: RunOptions) -> list[str]:
        held = store.claim(opts.worker, 3, timedelta(minutes=5))
        assert len(held) == 3
        # while the first run holds its batch, another Robot of this process starts a run
        second.run(RunOptions(fetch=False, processor=lambda run_id, opts: []))
        seen["while_running"] = _claimed_by(store, opts.worker)
        return []

    first.run(RunOptions(processor=first_processor))
    assert seen["while_running"] == 3


def test_a_run_frees_the_claims_of_an_earlier_run_here_that_died(store: Store) -> None:
    import os
    import socket

    robot = _robot(store, sample_source())
    robot.run(RunOptions(processor=lambda run_id, opts: []))  # fetched, nothing processed
    dead = f"{socket.gethostname()}:{os.getpid()}:999"  # this process, a run that is not going on
    assert len(store.claim(dead, 2, timedelta(minutes=5))) == 2
    robot.run(RunOptions(fetch=False, processor=lambda run_id, opts: []))
    assert _claimed_by(store, dead) == 0
