"""``runs`` (run history) and ``show`` (one invoice's journey, for the creditor team and customers).

Every text from a document or an outside system is printed literally (robot.cli.safe_text).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from robot.cli.common import CFG, CSV_TABLE, DB, EXIT_CONFIG, EXIT_OK, exit_for
from robot.cli.safe_text import safe, terminal
from robot.cli.store_lookup import cli_store
from robot.cli.tables import column, narrow_table
from robot.cli.timeline import Detail, print_journey, recorded_evidence
from robot.reports.cells import formula_safe
from robot.serialize import decimal_text
from robot.store.holds import state_text
from robot.store.repo import Store
from robot.store.runs import shown_status
from robot.store.schema import Run, utcnow


def _store(database: str | None, config: Path | None, *, read_only: bool = True) -> Store:
    """The store by robot.cli.store_lookup; missing or not a store: exit 2, nothing created."""
    return cli_store(database, config, read_only=read_only)


def runs(
    limit: int = typer.Option(20, help="How many runs"),
    as_json: bool = typer.Option(False, "--json"),
    as_csv: bool = CSV_TABLE,
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """The last runs: start, duration, status, counts. Exit 0 if the last run was ok or running,
    1 partial, 3 failed or abandoned."""
    with _store(database, config) as store:
        rows = store.recent_runs(limit)
    now = utcnow()
    if as_json:
        for r in rows:
            typer.echo(json.dumps(_run_json(r, now), ensure_ascii=False))
    elif as_csv:
        typer.echo(runs_csv(rows, now), nl=False)
    else:
        console = terminal()
        console.print(runs_table(rows, now))
        for r in rows[:1]:
            if r.error:
                console.print(f"[red]last run's problems:[/red] {safe(r.error)}")
    last = shown_status(rows[0], now) if rows else "ok"
    raise typer.Exit(exit_for(last))


COUNTED = ("posted", "returned", "held", "pending")


def runs_table(rows: list[Run], now: datetime) -> Table:
    """The runs, newest first, narrow enough for 80 columns: dates and statuses are never cut.

    A run whose process died shows as ``abandoned`` (robot.store.runs.shown_status); a dry run
    says so before its trigger.
    """
    table = narrow_table(
        "Runs",
        column("run", right=True),
        column("started (UTC)"),
        column("took", right=True),
        column("trigger", wrap=True, fold=True),
        column("status"),
        column("counts", right=True),
        caption="counts: posted/returned/held/pending",
    )
    for r in rows:
        c: dict[str, Any] = r.counts or {}
        status = shown_status(r, now)
        took = _took((r.finished_at - r.started_at).total_seconds()) if r.finished_at else ""
        counts = "/".join(safe(c.get(k, "")) for k in COUNTED) if c else ""
        table.add_row(
            str(r.id),
            r.started_at.strftime("%Y-%m-%d %H:%M"),
            took,
            ("(dry run) " if r.dry_run else "") + safe(r.trigger),
            f"[{RUN_STYLE.get(status, 'white')}]{safe(status)}[/]",
            counts,
        )
    return table


RUNS_CSV = (
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "dry_run",
    "trigger",
    *COUNTED,
    "failures",
    "error",
)


def runs_csv(rows: list[Run], now: datetime) -> str:
    """The runs as CSV, newest first; a text cell a spreadsheet would run as a formula gets a ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RUNS_CSV)
    for r in rows:
        c: dict[str, Any] = r.counts or {}
        writer.writerow(
            [
                r.id,
                r.started_at.isoformat(),
                r.finished_at.isoformat() if r.finished_at else "",
                shown_status(r, now),
                "yes" if r.dry_run else "no",
                formula_safe(r.trigger),
                *(c.get(k, "") for k in (*COUNTED, "failures")),
                formula_safe(r.error),
            ]
        )
    return out.getvalue()


def _took(seconds: float) -> str:
    """``0.5s``, ``42.0s``, then ``12m``, ``2h 5m`` (short: the runs table must fit 80 columns)."""
    from robot.running.health import ago

    return f"{seconds:.1f}s" if seconds < 60 else ago(seconds)


RUN_STYLE = {"ok": "green", "running": "cyan", "partial": "yellow", "failed": "red", "abandoned": "red"}


def _run_json(r: Run, now: datetime) -> dict[str, Any]:
    return {
        "run_id": r.id,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "heartbeat_at": r.heartbeat_at.isoformat() if r.heartbeat_at else None,
        "status": shown_status(r, now),
        "dry_run": r.dry_run,
        "trigger": r.trigger,
        "counts": r.counts,
        "error": r.error,
    }


def show(
    key: str = typer.Argument(..., help="Invoice id, invoice number or source reference"),
    as_json: bool = typer.Option(False, "--json"),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """One invoice's journey: state, verdict, findings, postings and every event."""
    with _store(database, config) as store:
        matches = store.find_invoices(key)
        if not matches:
            typer.echo(f"no invoice matches {key!r} (id, invoice number or source reference)", err=True)
            raise typer.Exit(EXIT_CONFIG)
        console = terminal()
        for match in matches:
            row, events, findings, postings = store.journey(match.id)
            state = state_text(row.state, events)  # a released invoice is not "classified"
            evidence, title = recorded_evidence(events), "Read from the PDF"
            if not evidence and row.format == "pdf-layout":
                evidence, title = _evidence_again(store, row.id), "Read from the PDF (read again now)"
            data = {
                "invoice_id": row.id,
                "source": row.source,
                "source_ref": row.source_ref,
                "invoice_number": row.invoice_number,
                "supplier": row.supplier_name,
                "customer": row.customer_id,
                "state": row.state,
                "status": state,
                "verdict": row.verdict,
                "error_types": row.error_types,
                "payable": decimal_text(row.payable),  # 22650.00, not the store's 22650.0000
                "currency": row.currency,
                "erp_document_no": row.erp_document_no,
                "findings": [
                    {
                        "code": f.code,
                        "severity": f.severity,
                        "field": f.field,
                        "message_da": f.message_da,
                        "message_en": f.message_en,
                    }
                    for f in findings
                ],
                "evidence": list(evidence),
                "postings": [
                    {"key": p.idempotency_key, "state": p.state, "erp": p.erp_document_no} for p in postings
                ],
                "events": [
                    {"at": e.at.isoformat(), "kind": e.kind, "run": e.run_id, **e.detail} for e in events
                ],
            }
            if as_json:
                typer.echo(json.dumps(data, ensure_ascii=False, default=str))
                continue
            print_journey(console, row, state, findings, events, evidence, title)
    raise typer.Exit(EXIT_OK)


def _evidence_again(store: Store, invoice_id: int) -> list[Detail]:
    """An invoice read without a template whose read recorded no evidence: its stored PDF read
    again, in the reader's sandbox, for the evidence of each value (nothing is stored)."""
    from robot.errors import ReadError
    from robot.readers.sandbox import read_bounded
    from robot.serialize import evidence_to_json

    _, document = store.document_of(invoice_id)
    try:
        invoice = read_bounded(bytes(document.content), document.filename, None)
    except ReadError:
        return []
    return [evidence_to_json(e) for e in invoice.evidence]
