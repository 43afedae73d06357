"""Print a run summary for the creditor team: counts by verdict and error type, then each invoice.

The problems include each notice the mail server refused for good (held for the creditor team,
listed by ``fakturarobot held``). Every text from a document is printed literally (robot.cli.safe_text).
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from robot.cli.common import EXIT_FAILED, EXIT_FINDINGS, EXIT_OK, exit_for
from robot.cli.safe_text import safe, terminal
from robot.codes import InvoiceState, Reason, Verdict
from robot.running.run_report import RunSummary

#: error type → its meaning for the creditor team (robot.codes); an unknown code shows none
REASON_LABELS: dict[str, str] = {r: r.short for r in Reason}
STYLE = {"ok": "green", "partial": "yellow", "failed": "red"}


def exit_code(summary: RunSummary) -> int:
    """0 ok, 1 partial, 3 failed; a dry run: 0 when every invoice would be posted, 1 when one would
    be returned or held or something went wrong (as ``validate``), 3 failed."""
    if summary.status == "failed":
        return EXIT_FAILED
    if summary.dry_run:
        would_stop = any(i["verdict"] != Verdict.POST for i in summary.invoices)
        return EXIT_FINDINGS if would_stop or summary.status != "ok" else EXIT_OK
    return exit_for(summary.status)


def echo_summary(summary: RunSummary, *, as_json: bool) -> None:
    """A finished run's summary on stdout: one JSON object with ``--json``, else :func:`print_summary`."""
    if as_json:
        typer.echo(json.dumps(summary.to_json(), ensure_ascii=False))
    else:
        print_summary(terminal(), summary)


def print_summary(console: Console, summary: RunSummary, *, details_db: str | None = None) -> None:
    if summary.dry_run:
        _print_dry_run(console, summary)
        return
    c = summary.counts
    console.print(
        f"[bold]Run {summary.run_id}[/bold]: [{STYLE.get(summary.status, 'white')}]{summary.status}[/] "
        f"in {summary.seconds:.2f}s — processed {c['processed']}: "
        f"[green]posted {c['posted']}[/green], [yellow]returned {c['returned']}[/yellow], "
        f"[magenta]held {c['held']}[/magenta]; pending {c['pending']}; notices pending {c['notices_pending']}"
    )
    if c.get("hold_queue"):
        late = c.get("hold_queue_overdue", 0)
        console.print(
            f"Hold queue: {c['hold_queue']} invoices wait for the creditor team"
            + (f", [red]{late} past their due date[/red]" if late else "")
            + " (fakturarobot held)"
        )
    if c["error_types"]:
        table = Table(title="Returned and held by error type")
        table.add_column("error type")
        table.add_column("meaning")
        table.add_column("invoices", justify="right")
        for code, n in c["error_types"].items():
            table.add_row(safe(code), REASON_LABELS.get(code, ""), str(n))
        console.print(table)
    for problem in summary.problems[:10]:
        console.print(f"[red]problem:[/red] {safe(problem)}")
    if details_db:
        _invoice_table(console, summary.run_id, details_db)


def _invoice_table(console: Console, run_id: int, url: str) -> None:
    from robot.store.repo import Store

    with Store.open(url) as store:
        table = Table(title="Invoices in this run (details: fakturarobot show ID)")
        for col in ("id", "file", "customer", "verdict", "error types", "findings"):
            table.add_column(col, no_wrap=col in ("file", "verdict"))
        rows = store.invoices_of_run(run_id)
        found = store.findings_by_invoice([row.id for row in rows])
        for row in rows:
            codes = sorted({f.code for f in found.get(row.id, []) if f.severity == "error"})
            style = STATE_STYLE.get(row.state, "white")
            table.add_row(
                str(row.id),
                safe(row.source_ref),
                safe(row.customer_id or ""),
                f"[{style}]{safe(row.state)}[/]",
                safe(row.error_types or ""),
                safe(", ".join(codes)),
            )
        console.print(table)


STATE_STYLE: dict[str, str] = {
    InvoiceState.POSTED: "green",
    InvoiceState.RETURNED: "yellow",
    InvoiceState.HELD: "magenta",
}
VERDICT_STYLE: dict[str, str] = {Verdict.POST: "green", Verdict.RETURN: "yellow", Verdict.HOLD: "magenta"}


def _print_dry_run(console: Console, summary: RunSummary) -> None:
    """A dry run: what a run would do with each invoice; nothing was done."""
    would = summary.counts.get("would", {})
    console.print(
        f"[bold]Dry run {summary.run_id}[/bold]: [{STYLE.get(summary.status, 'white')}]{summary.status}[/] "
        f"in {summary.seconds:.2f}s — nothing was posted, returned, notified or taken from the source. "
        f"Of {would.get('invoices', 0)} invoices a run would "
        f"[green]post {would.get('post', 0)}[/green], [yellow]return {would.get('return', 0)}[/yellow], "
        f"[magenta]hold {would.get('hold', 0)}[/magenta]"
    )
    for problem in summary.problems[:10]:
        console.print(f"[red]problem:[/red] {safe(problem)}")
    if not summary.invoices:
        return
    width = max((len(safe(item["customer"] or "-")) for item in summary.invoices), default=1)
    console.print("What a run would do (verdict, customer, file, error types: findings):")
    for item in summary.invoices:  # one line each, wrapped between words: ids and codes stay whole
        verdict = str(item["verdict"])
        codes = sorted({str(f["code"]) for f in item["findings"] if f.get("severity") == "error"})
        why = ",".join(item["error_types"]) + (": " + ", ".join(codes) if codes else "")
        style = VERDICT_STYLE.get(verdict, "white")
        console.print(
            f"  [{style}]{safe(verdict):<6}[/] {safe(item['customer'] or '-'):<{width}} "
            f"{safe(item['file'])}" + (f"  {safe(why)}" if why else "")
        )
