"""How ``fakturarobot held`` shows the hold queue: a table that fits 80 columns, CSV and JSON.

The table never breaks an id, a date, an invoice number or a rule code across lines: those
columns do not wrap, each rule code is on its own line, and only the supplier's name (words)
wraps. Overdue is said in words (``overdue 3 days``), not only in colour, so it survives a pipe.
Text from documents is escaped for the terminal (robot.cli.safe_text); CSV and JSON carry it
as it is, except that a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` gets a leading ``'``
so a spreadsheet does not run it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date

from rich.table import Table

from robot.cli.safe_text import safe
from robot.cli.tables import narrow_table
from robot.reports.cells import formula_safe
from robot.store.holds import Standing
from robot.store.schema import FindingRow, InvoiceRow, NoticeRow, error_type_codes

CSV_COLUMNS = (
    "invoice_id",
    "source_ref",
    "customer",
    "supplier",
    "invoice_number",
    "issue_date",
    "due_date",
    "overdue_days",
    "payable",
    "currency",
    "error_types",
    "held_by",
    "status",
)


def overdue_days(row: InvoiceRow, today: date) -> int:
    """Days past the due date (0 when not due yet or no due date)."""
    return max((today - row.due_date).days, 0) if row.due_date else 0


def due_text(row: InvoiceRow, today: date) -> str:
    """``2026-05-01`` and, below it, ``overdue 3 days`` / ``due today`` (markup-safe)."""
    if row.due_date is None:
        return "-"
    late = overdue_days(row, today)
    if late:
        return f"{row.due_date.isoformat()}\n[red]overdue {late} day{'s' if late != 1 else ''}[/red]"
    if row.due_date == today:
        return f"{row.due_date.isoformat()}\n[yellow]due today[/yellow]"
    return row.due_date.isoformat()


def amount_text(row: InvoiceRow) -> str:
    return f"{row.payable:,.2f} {row.currency or ''}".strip() if row.payable is not None else "-"


def held_codes(row: InvoiceRow, findings: Sequence[FindingRow]) -> list[str]:
    """The rule codes that hold the invoice (its error types when no finding says)."""
    codes = list(dict.fromkeys(f.code for f in findings))
    return codes or list(error_type_codes(row.error_types))


def status_text(standing: Standing | None) -> str:
    return "held" if standing is None else f"held; {standing.text()}"


def held_table(
    rows: Sequence[InvoiceRow],
    reasons: Mapping[int, Sequence[FindingRow]],
    standings: Mapping[int, Standing],
    today: date,
) -> Table:
    """The hold queue for a terminal, 80 columns or more."""
    table = narrow_table(f"Held invoices: {len(rows)} (details: fakturarobot show ID)", flush_left=True)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("due", no_wrap=True)
    table.add_column("customer / supplier", overflow="fold")
    table.add_column("invoice / amount", no_wrap=True, overflow="fold")
    table.add_column("held by", no_wrap=True, overflow="fold")
    for row in rows:
        who = f"{safe(row.customer_id or '-')}\n{safe(row.supplier_name or '-')}"
        st = standings.get(row.id)
        if st is not None:
            who += f"\n[bold]{safe(st.text())}[/bold]"
        table.add_row(
            str(row.id),
            due_text(row, today),
            who,
            f"{safe(row.invoice_number or '-')}\n{safe(amount_text(row))}",
            "\n".join(safe(c) for c in held_codes(row, reasons.get(row.id, ()))),
        )
    return table


def waiting_table(decided: Sequence[tuple[InvoiceRow, Standing]]) -> Table:
    """Invoices a person decided on, waiting for the next run (no longer in the hold queue)."""
    table = narrow_table(f"Decided, waiting for the next run: {len(decided)}", flush_left=True)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("customer / supplier", overflow="fold")
    table.add_column("invoice / amount", no_wrap=True, overflow="fold")
    table.add_column("decision", overflow="fold")
    for row, st in decided:
        table.add_row(
            str(row.id),
            f"{safe(row.customer_id or '-')}\n{safe(row.supplier_name or '-')}",
            f"{safe(row.invoice_number or '-')}\n{safe(amount_text(row))}",
            safe(st.text()),
        )
    return table


def refused_table(notices: Sequence[NoticeRow]) -> Table:
    """Notices the mail server refused for good: the customer was not told of these invoices."""
    table = narrow_table(
        f"Refused notices: {len(notices)} (the customer was not told; pass it on, fix the address)",
        flush_left=True,
    )
    table.add_column("notice", justify="right", no_wrap=True)
    table.add_column("customer / to", overflow="fold")
    table.add_column("invoices", overflow="fold")
    table.add_column("tries", justify="right", no_wrap=True)
    table.add_column("refused because", overflow="fold")
    for n in notices:
        ids = ", ".join(str(i) for i in n.invoice_ids.get("ids", []))
        to = "\n".join(safe(a.strip()) for a in n.recipients.split(",") if a.strip())
        table.add_row(
            str(n.id), f"{safe(n.customer_id or '-')}\n{to}", ids, str(n.attempts), safe(n.last_error or "")
        )
    return table


def held_json(
    row: InvoiceRow, findings: Sequence[FindingRow], standing: Standing | None, today: date
) -> dict[str, object]:
    return {
        "invoice_id": row.id,
        "source_ref": row.source_ref,
        "customer": row.customer_id,
        "supplier": row.supplier_name,
        "invoice_number": row.invoice_number,
        "issue_date": row.issue_date.isoformat() if row.issue_date else None,
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "overdue": bool(row.due_date and row.due_date < today),
        "overdue_days": overdue_days(row, today),
        "payable": str(row.payable) if row.payable is not None else None,
        "currency": row.currency,
        "error_types": row.error_types,
        "status": status_text(standing),
        "findings": [
            {"code": f.code, "message_da": f.message_da, "message_en": f.message_en} for f in findings
        ],
    }


def held_csv(
    rows: Sequence[InvoiceRow],
    reasons: Mapping[int, Sequence[FindingRow]],
    standings: Mapping[int, Standing],
    today: date,
) -> str:
    """The hold queue as CSV (a header line, then one line per invoice, due first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.id,
                formula_safe(row.source_ref),
                formula_safe(row.customer_id),
                formula_safe(row.supplier_name),
                formula_safe(row.invoice_number),
                row.issue_date.isoformat() if row.issue_date else "",
                row.due_date.isoformat() if row.due_date else "",
                overdue_days(row, today),
                str(row.payable) if row.payable is not None else "",
                formula_safe(row.currency),
                formula_safe(row.error_types),
                " ".join(held_codes(row, reasons.get(row.id, ()))),
                status_text(standings.get(row.id)),
            ]
        )
    return out.getvalue()
