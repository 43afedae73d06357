"""``scheduler`` (runs forever per schedules.yaml) and ``worker`` (one run shared by N processes).

Both stop cleanly on SIGTERM or Ctrl-C: the run in progress finishes the invoice in hand, releases
the rest of its claims and is recorded as ``partial``. Logs carry the run and invoice ids; add
``--json-log FILE`` for one JSON object per line (for a log shipper).

    fakturarobot scheduler --config fakturarobot.yaml --json-log var/robot.jsonl
    fakturarobot worker --workers 4 --config fakturarobot.yaml     # PostgreSQL for more than one
"""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from pathlib import Path
from types import FrameType

import typer
from loguru import logger

from robot.cli.common import EXIT_CONFIG, RUN_CONFIG, SUMMARY_JSON, config_path, exit_for
from robot.cli.summary import echo_summary
from robot.errors import ConfigError
from robot.logsetup import configure_logging
from robot.running.run import RunOptions

CONFIG = RUN_CONFIG
JSON_LOG = typer.Option(None, "--json-log", help="Also write the log as JSON lines to this file")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Log every step (DEBUG)")


def _on_stop(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        logger.warning(
            "{} received: finishing the invoice in hand, then stopping", signal.Signals(signum).name
        )
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def scheduler(
    config: Path | None = CONFIG,
    schedules: Path | None = typer.Option(None, help="schedules.yaml (default: the configuration's)"),
    json_log: str | None = JSON_LOG,
    verbose: bool = VERBOSE,
) -> None:
    """Run forever per schedules.yaml (APScheduler, job store in the robot's database)."""
    from robot.configuration.settings import load_config
    from robot.scheduling.scheduler import RobotScheduler, runner
    from robot.scheduling.schedules import load_schedules
    from robot.store.repo import Store

    configure_logging("DEBUG" if verbose else "INFO", json_log)
    path = config_path(config)
    loaded = load_config(path)
    file = schedules or loaded.file(loaded.cfg.schedules)
    if file is None:
        typer.echo(f"{path}: no 'schedules:' file configured (or pass --schedules)", err=True)
        raise typer.Exit(EXIT_CONFIG)
    plan = load_schedules(file)
    if not plan.active():
        typer.echo(f"{file}: no enabled schedules; nothing to do", err=True)
        raise typer.Exit(EXIT_CONFIG)
    store = Store.open(loaded.cfg.database)
    sched = RobotScheduler(plan, store, runner(path, json_log=json_log))
    _on_stop(sched.stop)
    sched.start()
    for name, when in sched.next_runs().items():
        typer.echo(f"schedule {name}: next run {when.isoformat() if when else 'never'}", err=True)
    try:
        while not sched.stop.wait(1.0):
            pass
    finally:
        sched.shutdown(wait=True)
        store.close()
        logger.info("scheduler stopped")


def worker(
    workers: int = typer.Option(
        1, "--workers", "-n", min=1, help="Processes sharing the run (PostgreSQL if > 1)"
    ),
    config: Path | None = CONFIG,
    lease: float = typer.Option(600.0, help="Seconds a claim lasts before a dead worker's invoices return"),
    batch: int = typer.Option(50, min=1, help="Invoices claimed and decided at a time"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Classify only: post, return and notify nothing"),
    fetch: bool = typer.Option(True, "--fetch/--no-fetch", help="Fetch from the source first"),
    as_json: bool = SUMMARY_JSON,
    json_log: str | None = JSON_LOG,
    verbose: bool = VERBOSE,
) -> None:
    """One run whose invoices N worker processes share. Exit 0 ok, 1 partial, 3 failed."""
    from robot.running.worker import WorkerSpec, run_pool

    level = "DEBUG" if verbose else "WARNING"
    configure_logging(level, json_log)
    stop = threading.Event()
    _on_stop(stop)
    options = RunOptions(
        trigger="worker",
        dry_run=dry_run,
        fetch=fetch,
        batch=batch,
        lease=timedelta(seconds=lease),
        stop=stop,
    )
    spec = WorkerSpec(config=config_path(config), log_level=level, json_log=json_log)
    try:
        summary = run_pool(spec, workers, options)
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    echo_summary(summary, as_json=as_json)
    raise typer.Exit(exit_for(summary.status))
