"""``run`` (one run now with the configured connectors), ``demo`` and ``make-samples``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType

import typer
from loguru import logger
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from robot.cli.common import EXIT_FAILED, RUN_CONFIG, SUMMARY_JSON, config_path
from robot.cli.safe_text import terminal
from robot.cli.summary import echo_summary, exit_code, print_summary
from robot.configuration.envvars import ENV_URL
from robot.errors import StoreError
from robot.running.run import Robot, RunOptions
from robot.running.run_report import RunSummary


def samples_dir() -> Path:
    """``./samples`` if present, else the samples beside the installed source tree."""
    here = Path.cwd() / "samples"
    if (here / "fakturarobot.yaml").is_file():
        return here
    return Path(__file__).resolve().parents[2] / "samples"


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[list[str]]:
    """SIGTERM and SIGINT set ``stop`` (the run finishes the invoice in hand, then stops).

    Yields the names of the signals received; the previous handlers are back afterwards.
    """
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield received
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        logger.warning("{} received: finishing the invoice in hand, then stopping", name)
        received.append(name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def execute(
    config: Path,
    options: RunOptions,
    *,
    as_json: bool,
    database_url: str | None = None,
    alert: bool = False,
) -> RunSummary:
    """One run; stopped by SIGTERM/SIGINT it is recorded ``partial`` with the signal as its reason.

    ``alert``: tell the creditor team (``alerts:``) when the run failed or failed too often.
    """
    from robot.configuration.wiring import build_robot
    from robot.running.alerts import alert_on

    robot, loaded = build_robot(config, database_url=database_url)
    try:
        with stop_on_signals(options.stop) as received:
            summary = _run(robot, options, as_json=as_json)
        if received and summary.status != "ok":  # (a signal after the run's end stopped nothing)
            reason = f"stopped by {received[0]}"
            try:
                robot.store.note_stop(summary.run_id, reason)
            except Exception as exc:  # the run's end is recorded; only the reason is missing
                log = logger.bind(run_id=summary.run_id)
                log.error("run {}: {} not recorded: {}", summary.run_id, reason, exc)
            summary = replace(summary, problems=(reason, *summary.problems))
        if alert and not options.dry_run:
            alert_on(summary, loaded.cfg.alerts, robot.notifier, robot.store)
        return summary
    finally:
        robot.close()


def _run(robot: Robot, options: RunOptions, *, as_json: bool) -> RunSummary:
    if sys.stderr.isatty() and not as_json:
        with Progress(
            TextColumn("[bold]run"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("invoices", total=None)
            options.progress = lambda done, total: bar.update(task, completed=done, total=total)
            return robot.run(options)
    return robot.run(options)


def run(
    config: Path | None = RUN_CONFIG,
    as_json: bool = SUMMARY_JSON,
    dry_run: bool = typer.Option(False, "--dry-run", help="Classify only: post, return and notify nothing"),
    trigger: str = typer.Option("manual", help="What started the run (recorded)"),
) -> None:
    """One run now with the configured connectors. Exit 0 ok, 1 partial, 3 failed.

    SIGTERM or Ctrl-C stops it as the scheduler stops: the invoice in hand is finished, the run is
    recorded ``partial`` ("stopped by SIGTERM") and the rest waits for the next run. A failed run or
    one whose exception rate is above ``alerts.exception_rate`` alerts ``alerts.to``.
    """
    try:
        options = RunOptions(trigger=trigger, dry_run=dry_run)
        summary = execute(config_path(config), options, as_json=as_json, alert=True)
    except StoreError as exc:  # the run could not even be recorded (e.g. the database is locked)
        typer.echo(f"run failed: {exc.message}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    echo_summary(summary, as_json=as_json)
    raise typer.Exit(exit_code(summary))  # a dry run: what it found (robot.cli.summary.exit_code)


def demo(
    as_json: bool = SUMMARY_JSON,
    keep: bool = typer.Option(False, "--keep", help="Keep earlier demo state instead of starting afresh"),
    sandbox: bool = typer.Option(
        False, "--sandbox", help="The full loop over HTTP: sandbox purchase system → robot → test ERP"
    ),
    web: bool = typer.Option(
        False, "--web", help="Then serve the creditor console on 127.0.0.1 with a demo user it prints"
    ),
    port: int = typer.Option(8080, "--port", help="--web: the console's port on 127.0.0.1"),
) -> None:
    """One run over samples/ with SQLite under ./var/demo; prints the run summary."""
    samples = samples_dir()
    if web and (sandbox or as_json):
        typer.echo("--web serves the console after the plain demo (not with --sandbox or --json)", err=True)
        raise typer.Exit(2)
    if web and os.environ.get(ENV_URL):  # the demo user belongs in the demo's own store only
        typer.echo(f"--web makes a demo user: only in the demo's own store (unset ${ENV_URL})", err=True)
        raise typer.Exit(2)
    if sandbox:
        _sandbox_demo(samples, as_json=as_json)
        return
    var = Path("var/demo")
    if not keep and var.exists():
        shutil.rmtree(var)
    inbox = var / "inbox"
    if not inbox.exists():
        inbox.mkdir(parents=True)
        for item in (samples / "inbox").iterdir():
            if item.is_file():
                shutil.copy2(item, inbox / item.name)
    url = os.environ.get(ENV_URL) or f"sqlite:///{var.resolve()}/fakturarobot.db"
    summary = execute(
        samples / "fakturarobot.yaml", RunOptions(trigger="demo"), as_json=as_json, database_url=url
    )
    from robot.demo.bank_demo import import_demo_bank, print_bank

    bank = import_demo_bank(samples, var, url)  # then the bank's files: paid, bounced, unmatched
    if as_json:
        data = summary.to_json() | ({"bank": bank.to_json()} if bank is not None else {})
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console = terminal(width=max(Console().width, 140))
    print_summary(console, summary, details_db=url)
    if bank is not None:
        print_bank(console, bank)
    console.print(
        f"\nLedger: {var}/ledger.jsonl   Notices: {var}/outbox/*.eml   Store: {url}\n"
        f"Try: fakturarobot show <invoice id> --database {url}\n"
        f"     fakturarobot payments --unmatched --database {url}"
    )
    if web:
        _serve_demo_console(samples / "fakturarobot.yaml", url, port)


def _serve_demo_console(config: Path, url: str, port: int) -> None:
    """The console over the demo's store, with the user ``demo`` (admin) and a new random password
    printed once; only ever for this store (var/demo), on 127.0.0.1 (plain http)."""
    import secrets

    from robot.cli.web_cmd import serve
    from robot.configuration.settings import load_config
    from robot.store.repo import Store
    from robot.store.users import Users

    with Store.open(url, existing=True, upgrade=True) as store:
        people, password = Users(store.sessions), secrets.token_urlsafe(12)
        if not people.set_password("demo", password):
            people.add("demo", "admin", password)
        typer.echo(f"\nDemo console login: user demo, password {password} (this demo store only)")
        serve(load_config(config), store, host="127.0.0.1", port=port)


def _sandbox_demo(samples: Path, *, as_json: bool) -> None:
    from robot.configuration.settings import load_config
    from robot.demo.sandbox_demo import sandbox

    with sandbox(samples, Path("var/sandbox")) as box:
        loaded = load_config(box.config)
        summary = execute(
            box.config, RunOptions(trigger="demo-sandbox"), as_json=as_json, database_url=loaded.cfg.database
        )
        erp, memos, outcomes = box.erp_invoices(), box.erp_credit_memos(), box.outcomes()
    kinds = [
        str(o.get("outcome", "")) for o in outcomes.get("outcomes", outcomes).values() if isinstance(o, dict)
    ]
    loop = {
        "erp_invoices": len(erp),
        "erp_credit_memos": len(memos),
        "written_back": {k: kinds.count(k) for k in sorted(set(kinds))},
    }
    if as_json:
        typer.echo(json.dumps({**summary.to_json(), "sandbox": loop}, ensure_ascii=False))
        return
    console = terminal(width=max(Console().width, 140))
    print_summary(console, summary, details_db=loaded.cfg.database)
    console.print(
        f"\nSandbox purchase system {box.purchase_url} and test ERP {box.erp_url} (both stopped now):\n"
        f"  posted in the ERP: {loop['erp_invoices']} invoices, {loop['erp_credit_memos']} credit memos; "
        f"outcomes written back: {loop['written_back']}\n"
        f"  notices: var/sandbox/outbox/*.eml; configuration used: {box.config}"
    )


def make_samples(target: Path = typer.Argument(Path("samples"), help="Folder to (re)write")) -> None:
    """Regenerate the demo data (deterministic) into TARGET."""
    from robot.demo.samplegen import generate

    manifest = generate(target)
    typer.echo(f"wrote {len(manifest.entries) if hasattr(manifest, 'entries') else ''} samples to {target}")
