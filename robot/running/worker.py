"""Several worker processes share one run's invoices through the store's claim queue.

The run itself (fetch, outcomes, notices, the run record) happens once, in the process that
starts the pool; only the per-invoice work is shared. Each worker is a ``spawn``-ed process that
loops *claim → process* with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). A worker that
dies (SIGKILL, a lost machine) simply stops renewing: once its lease expires the invoices it held
return to the pool and another worker finishes them; the posting intent row and ``Ledger.find``
make sure none is posted twice::

    spec = WorkerSpec(config=Path("fakturarobot.yaml"), database_url="postgresql://...")
    summary = run_pool(spec, workers=4, options=RunOptions(trigger="worker"))

SQLite allows one writer at a time, so it keeps one worker and says so (:func:`check_workers`):

    >>> check_workers("sqlite", 4)
    Traceback (most recent call last):
    ...
    robot.errors.ConfigError: SQLite allows one worker (asked for 4): ...
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_mod
import resource
import signal
import socket
import threading
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from loguru import logger

from robot.errors import ConfigError
from robot.logsetup import configure_logging
from robot.running.run import Robot, RunOptions
from robot.running.run_report import RunSummary


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What a worker process needs to build its own robot (it shares nothing but the database)."""

    config: Path
    database_url: str | None = None
    poll_seconds: float = 0.5  # how often to look again while other workers hold leases
    log_level: str = "WARNING"
    json_log: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerResult:
    worker: str
    pid: int
    processed: int
    problems: tuple[str, ...]
    peak_rss_kib: int


def check_workers(dialect: str, workers: int) -> None:
    """SQLite keeps one worker; anything else is a configuration error with the way out."""
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if workers > 1 and dialect == "sqlite":
        raise ConfigError(
            f"SQLite allows one worker (asked for {workers}): it has a single writer and no "
            "FOR UPDATE SKIP LOCKED. Use PostgreSQL for several workers, e.g. "
            "FAKTURAROBOT_DATABASE_URL=postgresql://user@host/fakturarobot"
        )


def drain(robot: Robot, run_id: int, opts: RunOptions, poll_seconds: float = 0.5) -> tuple[int, list[str]]:
    """Process until no pending invoice is left that this worker has not tried in this run.

    Invoices leased by other workers are waited for: they either finish them, or die and the lease
    expires, and then this worker claims them. Invoices backing off from an unreachable ERP are
    left for a later run. Returns (invoices tried, problems).
    """
    tried: set[int] = set()
    problems: list[str] = []
    while True:
        problems += robot.process(run_id, opts, tried)
        if opts.stop.is_set():
            break
        if not [i for i in robot.store.claimable_ids() if i not in tried]:
            break
        opts.stop.wait(poll_seconds)
    return len(tried), problems


_SHARED = (
    "trigger",
    "dry_run",
    "batch",
    "lease",
    "max_attempts",
    "customers",
    "erp_backoff",
    "erp_backoff_max",
)


def _work(spec: WorkerSpec, run_id: int, worker: str, settings: dict[str, Any], results: Any) -> None:
    """The body of one worker process (spawned: it builds everything itself)."""
    from robot.configuration.wiring import opened_robot
    from robot.store.history import StoreHistory
    from robot.store.schema import utcnow

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())  # finish the current invoice, release the rest
    configure_logging(spec.log_level, spec.json_log, worker=worker)
    with opened_robot(spec.config, database_url=spec.database_url) as (robot, _):  # connectors too
        robot.master.with_history(StoreHistory.of(robot.store))  # asked of the store: nothing loaded
        robot.actions.share_history(since=utcnow())  # the store has the past: catch up from now
        opts = RunOptions(worker=worker, fetch=False, stop=stop, **settings)
        tried, problems = drain(robot, run_id, opts, spec.poll_seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results.put(WorkerResult(worker, os.getpid(), tried, tuple(problems), rss))


@dataclass
class WorkerPool:
    """A :data:`robot.running.run.Processor`: runs the processing step of a run in ``workers`` processes."""

    spec: WorkerSpec
    workers: int
    processes: list[BaseProcess] = field(default_factory=list)
    results: list[WorkerResult] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)

    def __call__(self, run_id: int, opts: RunOptions) -> list[str]:
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        host = socket.gethostname()
        settings = {name: getattr(opts, name) for name in _SHARED}
        self.processes = [
            ctx.Process(
                target=_work,
                args=(self.spec, run_id, f"{host}:{os.getpid()}:w{i}", settings, results),
                name=f"fakturarobot-worker-{i}",
            )
            for i in range(self.workers)
        ]
        for p in self.processes:
            p.start()
        self.started.set()
        signalled = False
        while any(p.is_alive() for p in self.processes) or len(self.results) < self._clean_exits():
            if opts.stop.is_set() and not signalled:
                signalled = True
                for p in self.processes:
                    if p.is_alive() and p.pid:
                        os.kill(p.pid, signal.SIGTERM)
            try:
                self.results.append(results.get(timeout=0.2))
            except queue_mod.Empty:
                continue
        for p in self.processes:
            p.join()
        problems = [msg for r in self.results for msg in r.problems]
        for p in self.processes:
            if p.exitcode != 0:
                problems.append(
                    f"worker {p.name} (pid {p.pid}) ended with exit code {p.exitcode}; the invoices it "
                    "held return to the pool when their lease expires"
                )
                logger.bind(run_id=run_id).error("worker {} died (exit code {})", p.name, p.exitcode)
        return problems

    def _clean_exits(self) -> int:
        return sum(1 for p in self.processes if p.exitcode == 0)


def run_pool(spec: WorkerSpec, workers: int, options: RunOptions | None = None) -> RunSummary:
    """One run whose invoices ``workers`` processes share; returns the run summary."""
    from robot.configuration.wiring import opened_robot
    from robot.running.alerts import alert_on

    with opened_robot(spec.config, database_url=spec.database_url) as (robot, loaded):
        check_workers(robot.store.dialect, workers)
        opts = options or RunOptions(trigger="worker")
        opts.max_attempts = loaded.cfg.max_attempts
        opts.processor = WorkerPool(spec, workers)
        summary = robot.run(opts)
        alert_on(summary, loaded.cfg.alerts, robot.notifier, robot.store)
        return summary
