"""``rules``: every registered rule with its official ids, disposition and Invoice Response codes."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table


def rules(as_json: bool = typer.Option(False, "--json", help="A JSON list")) -> None:
    """List every registered rule (built-in and plugins)."""
    from classifiers.engine import load_rules

    registry = load_rules()
    if as_json:
        typer.echo(json.dumps([spec.to_json() for spec in registry], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(registry)} rules")
    for col in ("code", "official ids", "disp.", "sev.", "IR", "field", "description"):
        table.add_column(col, overflow="fold")
    for spec in registry:
        table.add_row(
            spec.code,
            ", ".join(spec.official_ids),
            spec.disposition,
            spec.severity,
            f"{spec.status}/{spec.reason}/{spec.action}",
            spec.field or "",
            spec.description,
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command()(rules)
