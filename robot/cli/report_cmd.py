"""``report``: figures from the store over a period, a customer or a supplier (issue 14).

    fakturarobot report --since 2026-01-01 --until 2026-03-31 --customer SFE
    fakturarobot report --json          # one object (robot.reports.report.Report.as_dict)
    fakturarobot report --csv           # section,key,figure,value

Days are Copenhagen days of receipt, both ends included. Supplier text (names) is escaped for the
terminal (robot.cli.safe_text); JSON carries it as it is; a CSV cell that a spreadsheet would run as
a formula gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from robot.cli.common import CFG, DB, EXIT_CONFIG, EXIT_OK, ONLY_CUSTOMER
from robot.cli.store_lookup import cli_store
from robot.reports.cells import formula_safe

if TYPE_CHECKING:
    from robot.reports.report import Report


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        typer.echo(f"{option} {value!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(EXIT_CONFIG) from None


def report(
    since: str | None = typer.Option(None, "--since", help="First day of receipt (YYYY-MM-DD, Copenhagen)"),
    until: str | None = typer.Option(None, "--until", help="Last day of receipt (included)"),
    customer: str | None = ONLY_CUSTOMER,
    supplier: str | None = typer.Option(None, "--supplier", help="Only this supplier's (CVR number)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object"),
    as_csv: bool = typer.Option(False, "--csv", help="CSV: section,key,figure,value"),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Figures from the store over a period, customer or supplier: invoices received, touchless rate,
    returns and holds by error type and rule, decisions by hand, cycle times, duplicates stopped and
    suggestions. Table, --json or --csv."""
    from robot.reports.report import report as build
    from robot.reports.scope import Scope

    first, last = _day(since, "--since"), _day(until, "--until")
    if first is not None and last is not None and last < first:
        typer.echo("--until is before --since", err=True)
        raise typer.Exit(EXIT_CONFIG)
    with cli_store(database, config) as store:
        found = build(store, Scope(first, last, customer or None, supplier or None))
    if as_json:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False))
    elif as_csv:
        typer.echo(csv_text(found), nl=False)
    else:
        _show(found)
    raise typer.Exit(EXIT_OK)


def csv_text(found: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "figure", "value"))
    writer.writerows(tuple(formula_safe(v) for v in row) for row in found.rows())
    return out.getvalue()


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _show(found: Report) -> None:
    from robot.cli.safe_text import safe, terminal
    from robot.cli.tables import column, narrow_table

    d = found.as_dict()
    scope = d["scope"]
    where = ", ".join(f"{k} {safe(v)}" for k, v in scope.items() if v) or "all invoices"
    t = d["touchless"]
    rate = "-" if t["rate"] is None else f"{t['rate']:.1%}"
    console = terminal()
    head = narrow_table(f"Report: {where}", column("figure"), column("value", right=True), flush_left=True)
    head.add_row("received", str(d["received"]))
    for state, n in d["states"].items():
        head.add_row(f"  state {state}", str(n))
    head.add_row("touchless (of decided)", f"{t['touchless']} of {t['decided']} ({rate})")
    for name, c in d["cycle_time"].items():
        text = f"median {_duration(c['median_seconds'])}, p90 {_duration(c['p90_seconds'])}"
        head.add_row(f"receipt to {name} ({c['invoices']})", text)
    dup = d["duplicates"]
    head.add_row("duplicates stopped", f"{dup['invoices']} ({found.duplicates.amount:,.2f})")
    console.print(head)
    for title, key, rows in (
        ("Returned and held by error type", "error type", found.error_types),
        ("Returned and held by rule", "rule", found.rules),
    ):
        table = narrow_table(title, column(key), column("returned", right=True), column("held", right=True))
        for s in rows:
            table.add_row(safe(s.code), str(s.returned), str(s.held))
        console.print(table)
    decided = narrow_table(
        "Decisions by hand, by the rule that held",
        column("rule"),
        column("released", right=True),
        column("returned", right=True),
        column("retried", right=True),
    )
    for r in found.decisions:
        decided.add_row(safe(r.rule or "-"), str(r.released), str(r.returned_by_hand), str(r.retried))
    console.print(decided)
    for sg in found.release_suggestions:
        console.print(
            f"Suggestion: {safe(sg.rule)} holds for {sg.by} {safe(sg.key)} were released by hand in "
            f"{sg.released} of {sg.decisions} decisions: the criterion could change."
        )
    for rr in found.repeat_returns:
        console.print(
            f"Suggestion: supplier {safe(rr.supplier_key)} {safe(rr.supplier_name)} was returned "
            f"{rr.returns} times for {rr.code}: the customer can tell them once."
        )
