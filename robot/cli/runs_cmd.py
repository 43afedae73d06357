"""``run`` (one run now with the configured connectors), ``demo`` and ``make-samples``."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from robot.cli.app import EXIT_CONFIG, EXIT_FAILED, EXIT_FINDINGS, EXIT_OK
from robot.cli.safe_text import terminal
from robot.cli.summary import print_summary
from robot.config import CONFIG_ENV
from robot.errors import StoreError
from robot.run import RunOptions
from robot.run_report import RunSummary

EXIT_BY_STATUS = {"ok": EXIT_OK, "partial": EXIT_FINDINGS, "failed": EXIT_FAILED}


def config_path(given: Path | None) -> Path:
    path = given or Path(os.environ.get(CONFIG_ENV, "fakturarobot.yaml"))
    if not path.is_file():
        typer.echo(f"configuration file not found: {path} (use --config or {CONFIG_ENV})", err=True)
        raise typer.Exit(EXIT_CONFIG)
    return path


def samples_dir() -> Path:
    """``./samples`` if present, else the samples beside the installed source tree."""
    here = Path.cwd() / "samples"
    if (here / "fakturarobot.yaml").is_file():
        return here
    return Path(__file__).resolve().parents[2] / "samples"


def execute(
    config: Path, options: RunOptions, *, as_json: bool, database_url: str | None = None
) -> RunSummary:
    from robot.wiring import build_robot

    robot, _ = build_robot(config, database_url=database_url)
    try:
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
    finally:
        robot.close()


def run(
    config: Path | None = typer.Option(None, "--config", "-c", help=f"Configuration file (or ${CONFIG_ENV})"),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Classify only: post, return and notify nothing"),
    trigger: str = typer.Option("manual", help="What started the run (recorded)"),
) -> None:
    """One run now with the configured connectors. Exit 0 ok, 1 partial, 3 failed."""
    try:
        summary = execute(config_path(config), RunOptions(trigger=trigger, dry_run=dry_run), as_json=as_json)
    except StoreError as exc:  # the run could not even be recorded (e.g. the database is locked)
        typer.echo(f"run failed: {exc.message}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        typer.echo(json.dumps(summary.to_json(), ensure_ascii=False))
    else:
        print_summary(terminal(), summary)
    raise typer.Exit(EXIT_BY_STATUS[summary.status])


def demo(
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON"),
    keep: bool = typer.Option(False, "--keep", help="Keep earlier demo state instead of starting afresh"),
    sandbox: bool = typer.Option(
        False, "--sandbox", help="The full loop over HTTP: sandbox purchase system → robot → test ERP"
    ),
) -> None:
    """One run over samples/ with SQLite under ./var/demo; prints the run summary."""
    samples = samples_dir()
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
    url = os.environ.get("FAKTURAROBOT_DATABASE_URL") or f"sqlite:///{var.resolve()}/fakturarobot.db"
    summary = execute(
        samples / "fakturarobot.yaml", RunOptions(trigger="demo"), as_json=as_json, database_url=url
    )
    if as_json:
        typer.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        return
    console = terminal(width=max(Console().width, 140))
    print_summary(console, summary, details_db=url)
    console.print(
        f"\nLedger: {var}/ledger.jsonl   Notices: {var}/outbox/*.eml   Store: {url}\n"
        f"Try: fakturarobot show <invoice id> --database {url}"
    )


def _sandbox_demo(samples: Path, *, as_json: bool) -> None:
    from robot.config import load_config
    from robot.sandbox_demo import sandbox

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
    from robot.samplegen import generate

    manifest = generate(target)
    typer.echo(f"wrote {len(manifest.entries) if hasattr(manifest, 'entries') else ''} samples to {target}")


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(demo)
    app.command("make-samples")(make_samples)
