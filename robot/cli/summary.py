"""Print a run summary for the creditor team: counts by verdict and error type, then each invoice.

The problems include each notice the mail server refused for good (held for the creditor team,
listed by ``fakturarobot held``). Every text from a document is printed literally (robot.cli.safe_text).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from robot.cli.safe_text import safe
from robot.run_report import RunSummary

REASON_LABELS = {
    "REF": "references (person ref. / order no.)",
    "LEG": "legal / totals / VAT",
    "REC": "receiver unknown (EAN)",
    "PRI": "prices off the order",
    "QTY": "quantities off the order",
    "PAY": "payment details",
    "OTH": "other (duplicate, ...)",
    "UNR": "not recognised",
    "ITM": "items",
    "FIN": "finance terms",
}
STYLE = {"ok": "green", "partial": "yellow", "failed": "red"}


def print_summary(console: Console, summary: RunSummary, *, details_db: str | None = None) -> None:
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

    store = Store.open(url)
    try:
        table = Table(title="Invoices in this run (details: fakturarobot show ID)")
        for col in ("id", "file", "customer", "verdict", "error types", "findings"):
            table.add_column(col, no_wrap=col in ("file", "verdict"))
        rows = store.invoices_of_run(run_id)
        found = store.findings_by_invoice([row.id for row in rows])
        for row in rows:
            codes = sorted({f.code for f in found.get(row.id, []) if f.severity == "error"})
            style = {"posted": "green", "returned": "yellow", "held": "magenta"}.get(row.state, "white")
            table.add_row(
                str(row.id),
                safe(row.source_ref),
                safe(row.customer_id or ""),
                f"[{style}]{safe(row.state)}[/]",
                safe(row.error_types or ""),
                safe(", ".join(codes)),
            )
        console.print(table)
    finally:
        store.close()
