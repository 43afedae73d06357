"""The creditor team's hold queue: ``held`` lists it; ``release``, ``return`` and ``retry`` decide.

A decision is recorded with who made it and why, and the next run (``fakturarobot run``, or the
scheduler's) carries it out: a released invoice is posted exactly once, a returned one gets its
notice and Invoice Response, a retried one is read and classified again.

``held`` also lists the notices the mail server refused for good (a customer's address refused
with 5xx): the invoices are returned, but the customer was not told; the creditor team passes it on
and corrects the customer's ``notify`` address. Every text from a document is printed literally
(robot.cli.safe_text).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from classifiers.api import Finding
from robot.cli.app import EXIT_CONFIG, EXIT_OK
from robot.cli.history import _store
from robot.cli.safe_text import safe, terminal
from robot.cli.store_lookup import CFG, DB
from robot.errors import StoreError
from robot.store.holds import Decision
from robot.store.outbox import Outbox
from robot.store.schema import FindingRow, InvoiceRow, NoticeRow

BY = typer.Option(..., "--by", help="Who decides (recorded in the invoice's journey)")
ID = typer.Argument(..., help="Invoice id (see `fakturarobot held`)")
REASON_CODES = ("REF", "LEG", "REC", "QTY", "PRI", "PAY", "FIN", "OTH")


def held(
    customer: str | None = typer.Option(None, "--customer", help="Only this customer's invoices"),
    error_type: str | None = typer.Option(None, "--error-type", help="Only this error type (PAY, OTH, ...)"),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines"),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """The hold queue, due first: what the robot holds for the creditor team, and why."""
    store = _store(database, config)
    try:
        rows = store.held(customer, error_type)
        found = store.findings_by_invoice([row.id for row in rows])
        reasons = {row.id: [f for f in found.get(row.id, []) if f.disposition == "hold"] for row in rows}
        refused = [n for n in Outbox(store.sessions).refused() if customer in (None, n.customer_id)]
    finally:
        store.close()
    today = date.today()
    if as_json:
        for row in rows:
            typer.echo(json.dumps(_held_json(row, reasons[row.id], today), ensure_ascii=False))
        raise typer.Exit(EXIT_OK)
    table = Table(title=f"Held invoices: {len(rows)} (details: fakturarobot show ID)")
    for col in ("id", "due", "customer", "supplier", "number", "amount", "held by"):
        table.add_column(col, overflow="fold")
    for row in rows:
        due = row.due_date.isoformat() if row.due_date else "-"
        if row.due_date and row.due_date < today:
            due = f"[red]{due}[/red]"
        amount = f"{row.payable:,.2f} {row.currency or ''}" if row.payable is not None else "-"
        why = ", ".join(dict.fromkeys(f.code for f in reasons[row.id])) or row.error_types or ""
        table.add_row(
            str(row.id),
            due,
            safe(row.customer_id or "-"),
            safe(row.supplier_name or "-"),
            safe(row.invoice_number or "-"),
            safe(amount),
            safe(why),
        )
    console = terminal()
    console.print(table)
    if refused and error_type is None:
        console.print(_refused_table(refused))
    raise typer.Exit(EXIT_OK)


def _refused_table(notices: list[NoticeRow]) -> Table:
    """Notices the mail server refused for good: the customer was not told of these invoices."""
    table = Table(
        title=f"Refused notices: {len(notices)} (the customer was not told; pass it on, fix the address)"
    )
    for col in ("notice", "customer", "to", "invoices", "attempts", "refused because"):
        table.add_column(col, overflow="fold")
    for n in notices:
        ids = ", ".join(str(i) for i in n.invoice_ids.get("ids", []))
        table.add_row(
            str(n.id),
            safe(n.customer_id or "-"),
            safe(n.recipients.replace(",", ", ")),
            ids,
            str(n.attempts),
            safe(n.last_error or ""),
        )
    return table


def _held_json(row: InvoiceRow, findings: list[FindingRow], today: date) -> dict[str, object]:
    return {
        "invoice_id": row.id,
        "source_ref": row.source_ref,
        "customer": row.customer_id,
        "supplier": row.supplier_name,
        "invoice_number": row.invoice_number,
        "issue_date": row.issue_date.isoformat() if row.issue_date else None,
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "overdue": bool(row.due_date and row.due_date < today),
        "payable": str(row.payable) if row.payable is not None else None,
        "currency": row.currency,
        "error_types": row.error_types,
        "findings": [
            {"code": f.code, "message_da": f.message_da, "message_en": f.message_en} for f in findings
        ],
    }


def _decide(
    invoice_id: int,
    decision: Decision,
    by: str,
    note: str,
    database: str | None,
    config: Path | None,
    finding: Finding | None = None,
) -> None:
    store = _store(database, config, read_only=False)
    try:
        row = store.resolve_hold(invoice_id, decision, by=by, note=note, finding=finding)
    except StoreError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    finally:
        store.close()
    then = {"release": "posted", "return": "returned to the customer", "retry": "read and classified again"}
    typer.echo(
        f"invoice {row.id} ({row.invoice_number or row.source_ref}): {decision} by {by}; "
        f"the next run (fakturarobot run) has it {then[decision]}"
    )


def release(
    invoice_id: int = ID,
    by: str = BY,
    note: str = typer.Option("", "--note", help="Why (checked against the PDF, bank details confirmed, ...)"),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Post a held invoice after all (exactly once, by the next run)."""
    _decide(invoice_id, "release", by, note, database, config)


def return_(
    invoice_id: int = ID,
    by: str = BY,
    reason: str = typer.Option(..., "--reason", help="What the customer must do (Danish)"),
    reason_en: str | None = typer.Option(
        None, "--reason-en", help="The same in English (default: as --reason)"
    ),
    code: str = typer.Option(
        "OTH", "--code", help=f"Error type / Invoice Response reason: {', '.join(REASON_CODES)}"
    ),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Return a held invoice to the customer with your reason (notice + Invoice Response)."""
    from robot.findings import manual_return

    if code not in REASON_CODES:
        typer.echo(f"unknown --code {code!r}; allowed: {', '.join(REASON_CODES)}", err=True)
        raise typer.Exit(EXIT_CONFIG)
    finding = manual_return(code, reason.strip(), (reason_en or reason).strip(), by.strip())
    _decide(invoice_id, "return", by, reason, database, config, finding=finding)


def retry(
    invoice_id: int = ID,
    by: str = BY,
    note: str = typer.Option(
        "", "--note", help="What was fixed (template added, vendor master updated, ...)"
    ),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Read and classify a held invoice again from its stored bytes (after fixing what held it)."""
    _decide(invoice_id, "retry", by, note, database, config)


def register(app: typer.Typer) -> None:
    app.command()(held)
    app.command()(release)
    app.command("return")(return_)
    app.command()(retry)
