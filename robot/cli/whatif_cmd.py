"""``what-if``: what a changed customers file or rule module would have done to stored invoices.

    $ fakturarobot what-if --criteria customers-new.yaml --since 2026-01-01 --customer SFE
    $ fakturarobot what-if --criteria customers.yaml --rules ./my_rules.py --json

Read-only (:mod:`robot.processing.whatif`): the store is opened so it cannot be written, no
connector is built, nothing is posted, returned or sent. Exit 0 when no verdict changes, 1 when
some do, 2 for a configuration problem.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from robot.cli.common import CFG, DB, EXIT_CONFIG, EXIT_FINDINGS, EXIT_OK, ONLY_CUSTOMER, config_path
from robot.errors import ConfigError

if TYPE_CHECKING:
    from robot.processing.whatif.result import WhatIf

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def when(text: str | None, *, end: bool = False) -> datetime | None:
    """A ``--since``/``--until`` value: an ISO date (Copenhagen midnight; ``--until`` takes the whole
    day) or a date and time with its zone.

    >>> when("2026-03-01")
    datetime.datetime(2026, 3, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Copenhagen'))
    >>> when("2026-03-01", end=True).isoformat()
    '2026-03-02T00:00:00+01:00'
    """
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return _moment(text)
    return datetime.combine(day + timedelta(days=1) if end else day, time(), COPENHAGEN)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"not a date (YYYY-MM-DD) or a date and time with its zone: {text!r}") from None
    if moment.tzinfo is None:
        raise ConfigError(f"a date and time needs its zone (e.g. {text}+01:00): {text!r}")
    return moment


def what_if(
    criteria: Path | None = typer.Option(
        None, "--criteria", help="Customers file with the changed criteria (the configured one's format)"
    ),
    rules: list[str] | None = typer.Option(
        None,
        "--rules",
        help="Extra or changed rule module: a .py file, package folder, module or entry point",
    ),
    since: str | None = typer.Option(None, "--since", help="Received on or after this day (YYYY-MM-DD)"),
    until: str | None = typer.Option(None, "--until", help="Received on or before this day (YYYY-MM-DD)"),
    customer: str | None = ONLY_CUSTOMER,
    config: Path | None = CFG,
    database: str | None = DB,
    as_json: bool = typer.Option(False, "--json", help="One JSON object: customers and changes"),
) -> None:
    """Replay the stored invoices of a period under a changed criteria file or rule module, read-only:
    the touchless rate per customer before and after, and the invoices whose verdict changes."""
    from robot.cli.store_lookup import locate_store
    from robot.configuration.settings import load_config
    from robot.processing.whatif.replay import prepare, replay
    from robot.processing.whatif.store import open_read_only

    if criteria is None and not rules:
        typer.echo("give --criteria FILE and/or --rules MODULE_OR_PATH: the change to try", err=True)
        raise typer.Exit(EXIT_CONFIG)
    path = config_path(config)
    loaded = load_config(path)
    start, end = when(since), when(until, end=True)
    master, classifier = prepare(loaded, criteria=criteria, rules=rules or [])
    if customer is not None:
        known = {c.upper(): c for c in master.by_id}  # any case, as held --customer
        if customer.strip().upper() not in known:
            typer.echo(f"unknown customer {customer!r}; known: {', '.join(sorted(master.by_id))}", err=True)
            raise typer.Exit(EXIT_CONFIG)
        customer = known[customer.strip().upper()]
    with open_read_only(locate_store(database, path).url) as store:
        result = replay(
            store, master, classifier, loaded.pdf_templates(), since=start, until=end, customer=customer
        )
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        _print(result)
    raise typer.Exit(EXIT_FINDINGS if result.changes else EXIT_OK)


def _print(result: WhatIf) -> None:
    from rich.console import Console
    from rich.table import Table

    from robot.cli.safe_text import safe
    from robot.processing.whatif.result import GROUP_TITLES, GROUPS

    console = Console()
    table = Table(title=f"What if: {result.replayed} invoices replayed in {result.seconds:.1f} s")
    for col in ("customer", "invoices", "touchless before", "touchless after"):
        table.add_column(col)
    for figures in sorted(result.customers.values(), key=lambda f: f.customer or ""):
        table.add_row(
            safe(figures.customer or "-"),
            str(figures.invoices),
            f"{figures.rate(figures.touchless_before):.1%}",
            f"{figures.rate(figures.touchless_after):.1%}",
        )
    console.print(table)
    for group in GROUPS:
        changes = result.grouped(group)
        if not changes:
            continue
        listed = Table(title=f"{GROUP_TITLES[group]}: {len(changes)}")
        for col in (
            "id",
            "file",
            "number",
            "customer",
            "before",
            "after",
            "rules before",
            "rules after",
            "by hand",
        ):
            listed.add_column(col)
        for c in changes:
            listed.add_row(
                str(c.invoice_id),
                safe(c.source_ref),
                safe(c.invoice_number or "-"),
                safe(c.customer or "-"),
                c.verdict_before,
                c.verdict_after,
                safe(", ".join(c.rules_before) or "-"),
                safe(", ".join(c.rules_after) or "-"),
                safe(c.decided_by_hand or "-"),
            )
        console.print(listed)
    if not result.changes:
        console.print("No verdict changes.")
