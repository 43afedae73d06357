"""A run interrupted at any point is finished by the next one: nothing lost, nothing posted twice."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource, SimulatedCrash
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES, sample_source

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]

CLEAN = sum(1 for e in MANIFEST if e["verdict"] == "post")


def _robot(db: Path, source: MemorySource, ledger: MemoryLedger, notifier: MemoryNotifier) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    templates = TemplateSet.load([SAMPLES / "pdf-templates"])
    return Robot(
        Store.open(f"sqlite:///{db}"),
        master,
        source=source,
        ledger=ledger,
        notifier=notifier,
        pdf_templates=templates,
    )


def _assert_complete(robot: Robot, source: MemorySource, ledger: MemoryLedger) -> None:
    states = robot.store.count_by_state()
    assert sum(states.values()) == len(MANIFEST), states  # every document stored exactly once
    assert states.get(InvoiceState.POSTED, 0) == CLEAN == len(ledger.posted), (states, len(ledger.posted))
    assert not robot.store.pending_ids()
    assert sorted(source.acknowledged) == sorted(e["file"] for e in MANIFEST)


class CrashingSource(MemorySource):
    """Dies right after the robot stored the n-th document, before acknowledging it."""

    crash_at: int = 0

    def acknowledge(self, doc):  # type: ignore[no-untyped-def]
        if len(self.acknowledged) + 1 == self.crash_at:
            self.crash_at = 0
            raise SimulatedCrash("after storing, before acknowledge")
        super().acknowledge(doc)


def test_interrupted_after_storing_before_acknowledge(tmp_path: Path) -> None:
    source = CrashingSource(documents=sample_source().documents)
    source.crash_at = 5
    ledger, notifier = MemoryLedger(), MemoryNotifier()
    robot = _robot(tmp_path / "r.db", source, ledger, notifier)
    with pytest.raises(SimulatedCrash):
        robot.run(RunOptions())
    assert len(source.acknowledged) == 4
    robot.run(RunOptions())
    _assert_complete(robot, source, ledger)


@pytest.mark.parametrize("crash_call", [1, 7, CLEAN - 5])
def test_interrupted_after_posting_before_recording(tmp_path: Path, crash_call: int) -> None:
    source, ledger, notifier = sample_source(), MemoryLedger(crash_after={crash_call}), MemoryNotifier()
    robot = _robot(tmp_path / "r.db", source, ledger, notifier)
    with pytest.raises(SimulatedCrash):
        robot.run(RunOptions())
    assert len(ledger.posted) == crash_call
    second = robot.run(RunOptions())
    _assert_complete(robot, source, ledger)
    assert second.status == "ok"
    assert ledger.post_calls == len(ledger.posted)  # the resumed run found the crashed posting in the ERP


@pytest.mark.parametrize("after", [1, 10, 40])
def test_interrupted_between_invoices(tmp_path: Path, after: int) -> None:
    source, ledger, notifier = sample_source(), MemoryLedger(), MemoryNotifier()
    robot = _robot(tmp_path / "r.db", source, ledger, notifier)

    def die(done: int, total: int) -> None:
        if done == after:
            raise SimulatedCrash(f"killed after {done} of {total} invoices")

    with pytest.raises(SimulatedCrash):
        robot.run(RunOptions(progress=die))
    robot.run(RunOptions())
    _assert_complete(robot, source, ledger)
    assert all(len(v) == 1 for v in notifier.by_key().values())


def test_erp_down_keeps_invoices_pending_then_posts_each_once(tmp_path: Path) -> None:
    source, ledger, notifier = sample_source(), MemoryLedger(), MemoryNotifier()
    robot = _robot(tmp_path / "r.db", source, ledger, notifier)
    ledger.down = True
    first = robot.run(RunOptions())
    assert first.status == "partial" and first.counts["pending"] == CLEAN and not ledger.posted
    ledger.down = False
    second = robot.run(RunOptions())
    assert second.status == "ok"
    _assert_complete(robot, source, ledger)


def test_same_fetch_twice_stores_each_document_once(tmp_path: Path) -> None:
    source, ledger, notifier = sample_source(), MemoryLedger(), MemoryNotifier()
    robot = _robot(tmp_path / "r.db", source, ledger, notifier)
    source.acknowledged.clear()
    robot.fetch(robot.store.start_run())
    source.acknowledged.clear()  # the source forgot the acknowledgements: it offers everything again
    robot.fetch(robot.store.start_run())
    assert sum(robot.store.count_by_state().values()) == len(MANIFEST)
