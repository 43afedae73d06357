"""Every process closes the whole robot: the store and every connector (the purchase system's and
the ERP's HTTP clients, the mail connection), through the scheduler's job function, the worker
processes' body and the ``worker`` command's run, also when a run or its set-up fails."""

from __future__ import annotations

import queue
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import robot.running.worker as worker_mod
from connectors.eml import EmlNotifier
from connectors.folder import FolderSource
from connectors.journal import JournalLedger
from robot.configuration.wiring import build_robot
from robot.running.run import RunOptions
from robot.scheduling.scheduler import runner
from robot.scheduling.schedules import Schedule
from robot.store.repo import Store
from tests.support.bulk import make_inbox, write_config
from tests.support.distributions import installed

CLOSED: Counter[str] = Counter()


class CountingFolder(FolderSource):
    def close(self) -> None:
        CLOSED["source"] += 1
        super().close()


class CountingJournal(JournalLedger):
    def close(self) -> None:
        CLOSED["ledger"] += 1
        super().close()


class CountingEml(EmlNotifier):
    def close(self) -> None:
        CLOSED["notifier"] += 1
        super().close()


class BrokenEml(EmlNotifier):
    @classmethod
    def from_settings(cls, settings: Any, base_dir: Path) -> EmlNotifier:
        raise RuntimeError("the mail settings cannot be used")


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Counter[str]]:
    """Connector kinds that count close() calls (registered as a plugin registers its kinds), and
    a count of store closes."""
    kinds = {
        "fakturarobot.sources": {"counting": f"{__name__}:{CountingFolder.__name__}"},
        "fakturarobot.ledgers": {"counting": f"{__name__}:{CountingJournal.__name__}"},
        "fakturarobot.notifiers": {
            "counting": f"{__name__}:{CountingEml.__name__}",
            "broken": f"{__name__}:{BrokenEml.__name__}",
        },
    }
    real_close = Store.close

    def counted_close(self: Store) -> None:
        CLOSED["store"] += 1
        real_close(self)

    monkeypatch.setattr(Store, "close", counted_close)
    CLOSED.clear()
    with installed(tmp_path / "site", "counting-connectors", kinds):
        yield CLOSED
    CLOSED.clear()


def _config(tmp_path: Path, *, notifier: str = "counting", invoices: int = 2) -> Path:
    cfg = write_config(tmp_path)
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["source"]["kind"] = data["ledger"]["kind"] = "counting"
    data["notifier"]["kind"] = notifier
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    make_inbox(tmp_path / "inbox", invoices)
    return cfg


EVERYTHING = {"source": 1, "ledger": 1, "notifier": 1, "store": 1}


def test_the_scheduler_job_function_closes_store_and_every_connector(
    tmp_path: Path, counting: Counter[str]
) -> None:
    job = runner(_config(tmp_path))
    summary = job(Schedule(name="morning", cron="0 6 * * *"), threading.Event())
    assert summary.status == "ok" and summary.counts["posted"] == 2
    assert dict(counting) == EVERYTHING


def test_the_scheduler_job_closes_everything_when_the_run_blows_up(
    tmp_path: Path, counting: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def alert_fails(*args: object) -> None:
        raise RuntimeError("alert could not be built")

    monkeypatch.setattr("robot.running.alerts.alert_on", alert_fails)
    with pytest.raises(RuntimeError, match="alert could not be built"):
        runner(_config(tmp_path))(Schedule(name="noon", cron="0 12 * * *"), threading.Event())
    assert dict(counting) == EVERYTHING


@pytest.fixture
def in_process_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let the worker body run in this process: keep pytest's log sinks and signal handlers."""
    monkeypatch.setattr(worker_mod, "configure_logging", lambda *a, **k: None)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_a_worker_process_body_closes_store_and_every_connector(
    tmp_path: Path, counting: Counter[str], in_process_worker: None
) -> None:
    cfg = _config(tmp_path)
    robot, _ = build_robot(cfg)
    try:
        run_id = robot.store.start_run("worker")
        robot.fetch(run_id)
    finally:
        robot.close()
    counting.clear()
    results: queue.Queue[worker_mod.WorkerResult] = queue.Queue()
    settings = {name: getattr(RunOptions(trigger="worker"), name) for name in worker_mod._SHARED}
    worker_mod._work(worker_mod.WorkerSpec(config=cfg), run_id, "test:w0", settings, results)
    assert results.get_nowait().processed == 2
    assert dict(counting) == EVERYTHING


@dataclass
class InProcessPool:
    """WorkerPool's stand-in: the same worker body, in this process (a spawned child would not
    see this test's counting connectors)."""

    spec: worker_mod.WorkerSpec
    workers: int

    def __call__(self, run_id: int, opts: RunOptions) -> list[str]:
        results: queue.Queue[worker_mod.WorkerResult] = queue.Queue()
        settings = {name: getattr(opts, name) for name in worker_mod._SHARED}
        worker_mod._work(self.spec, run_id, "test:w0", settings, results)
        return list(results.get_nowait().problems)


def test_the_worker_command_run_closes_its_robot_and_the_workers(
    tmp_path: Path, counting: Counter[str], in_process_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_mod, "WorkerPool", InProcessPool)
    summary = worker_mod.run_pool(worker_mod.WorkerSpec(config=_config(tmp_path)), 1)
    assert summary.status == "ok" and summary.counts["posted"] == 2
    assert dict(counting) == {part: 2 for part in EVERYTHING}  # the run's robot and the worker's


def test_a_robot_that_cannot_be_built_closes_what_it_had_opened(
    tmp_path: Path, counting: Counter[str]
) -> None:
    with pytest.raises(RuntimeError, match="mail settings"):
        build_robot(_config(tmp_path, notifier="broken"))
    assert dict(counting) == {"source": 1, "ledger": 1, "store": 1}
