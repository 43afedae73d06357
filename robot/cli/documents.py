"""``parse`` and ``validate`` (one JSON object per document, key ``file`` first) and ``pdf-text``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from robot.cli.common import EXIT_CONFIG, EXIT_FINDINGS, EXIT_OK, JSON_LINES, config_path, configured
from robot.codes import Verdict
from robot.errors import ConfigError, ReadError

if TYPE_CHECKING:
    from rich.console import Console

    from robot.pdftext import TemplateSet

FILES = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Invoice documents")
PDF_TEMPLATES = typer.Option(
    None,
    "--pdf-templates",
    exists=True,
    file_okay=False,
    help="Folder of PDF templates for PDFs without e-invoice XML (repeatable; default: the config's)",
)


def _templates(folders: list[Path] | None, config: Path | None) -> TemplateSet | None:
    """The PDF templates: the given folders, else those of an explicitly given configuration.

    A template that cannot be used is named on stderr (once) and skipped: every other template
    and every document is still read. A folder that does not exist is a configuration error.
    """
    try:
        if folders:
            from robot.pdftext import TemplateSet

            templates: TemplateSet | None = TemplateSet.load(folders)
        elif config is not None:
            from robot.configuration.settings import load_config

            templates = load_config(config).pdf_templates()
        else:
            return None
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    if templates is not None:
        for line in templates.report():
            typer.echo(line, err=True)
        if templates.warnings:
            typer.echo(
                f"{len(templates.warnings)} template keys ignored, as invoice2data ignores them "
                "(fakturarobot check-config lists them)",
                err=True,
            )
    return templates


def _dump(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _console(as_json: bool) -> Console | None:
    """The terminal's console, None for ``--json`` (JSON Lines never import rich)."""
    if as_json:
        return None
    from rich.console import Console

    return Console()


def safe(value: object) -> str:
    """Outside text made safe for the console (:func:`robot.cli.safe_text.safe`, which imports rich)."""
    from robot.cli.safe_text import safe as made_safe

    return made_safe(value)


def parse(
    files: list[Path] = FILES,
    as_json: bool = JSON_LINES,
    pdf_templates: list[Path] | None = PDF_TEMPLATES,
    config: Path | None = typer.Option(None, "--config", help="Configuration file (for its pdf_templates)"),
) -> None:
    """Print the canonical model (EN 16931) of each document."""
    from robot.readers.sandbox import read_bounded
    from robot.serialize import invoice_to_json

    templates = _templates(pdf_templates, config)
    console = _console(as_json)
    failed = 0
    for path in files:
        try:
            inv = read_bounded(path.read_bytes(), str(path), templates)
        except ReadError as exc:
            failed += 1
            if console is None:
                _dump({"file": str(path), "error": exc.reason, "field": exc.field, "expected": exc.expected})
            else:
                console.print(f"[red]{safe(path)}[/red]: {safe(exc.reason)}")
            continue
        data = invoice_to_json(inv)
        if console is None:
            _dump({"file": str(path), **data})
        else:
            totals = data["totals"]
            console.print(
                f"[bold]{safe(path)}[/bold]  {data['format']} {data['document_type']} "
                f"{safe(data['invoice_number'])} {data['issue_date']}  {safe(data['seller']['name'])} → "
                f"{safe(data['buyer']['name'])}  payable {safe(totals['payable'])} {safe(data['currency'])}  "
                f"lines {len(data['lines'])}"
            )
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


def validate(
    files: list[Path] = FILES,
    customer: str | None = typer.Option(None, "--customer", help="Apply this customer's criteria"),
    config: Path | None = typer.Option(
        None, "--config", help="Configuration file: decide as a run would (or $FAKTURAROBOT_CONFIG)"
    ),
    standard: str | None = typer.Option(
        None, "--standard", help="Only the rules of one standard: en16931, peppol or oioubl"
    ),
    as_json: bool = JSON_LINES,
    pdf_templates: list[Path] | None = PDF_TEMPLATES,
) -> None:
    """Findings and verdict for each document: with a configuration the verdict a run would give
    (customer from the sidecar or the receiver EAN, vendor master, orders, duplicates among the
    documents given, in order); without one, the document-level rules with their defaults."""
    from robot.processing.validation import STANDARDS, Validator, to_json

    if standard is not None and standard not in STANDARDS:
        typer.echo(f"unknown standard {standard!r}; known: {', '.join(STANDARDS)}", err=True)
        raise typer.Exit(EXIT_CONFIG)
    if config is None and (customer is not None or configured(None) is not None):
        config = config_path(None)
    master = None
    official = None
    if config is not None and standard is None:
        from robot.configuration.settings import load_config
        from robot.configuration.wiring import load_master

        loaded = load_config(config_path(config))
        master, official = load_master(loaded), loaded.official_rules()
        if customer is not None and customer not in master.by_id:
            typer.echo(f"unknown customer {customer!r}; known: {', '.join(sorted(master.by_id))}", err=True)
            raise typer.Exit(EXIT_CONFIG)
    validator = Validator(
        master, _templates(pdf_templates, config), customer=customer, standard=standard, official=official
    )
    console = _console(as_json)
    any_findings = False
    for path in files:
        checked = validator.check(path)
        decision = checked.decision
        stops = decision.verdict != Verdict.POST or any(f.blocks for f in decision.findings)
        any_findings = any_findings or stops
        if console is None:
            _dump(to_json(checked))
            continue
        if decision.invoice is None:
            console.print(f"[red]{safe(path)}[/red]: {safe(decision.read_error or 'unreadable')} — hold")
            continue
        from rich.table import Table

        who = f" — customer {safe(decision.customer_id)}" if decision.customer_id else ""
        table = Table(
            title=f"{safe(path)} — {safe(checked.invoice_number)} — {decision.verdict}{who}", show_lines=False
        )
        for col in ("code", "severity", "disposition", "reason", "field", "message"):
            table.add_column(col)
        for f in decision.findings:
            table.add_row(
                *(safe(v) for v in (f.code, f.severity, f.disposition, f.reason, f.field or "", f.message_en))
            )
        console.print(table)
    raise typer.Exit(EXIT_FINDINGS if any_findings else EXIT_OK)


def pdf_text(
    files: list[Path] = FILES,
    template: Path | None = typer.Option(
        None,
        "--template",
        exists=True,
        dir_okay=False,
        help="Also show the text as this template prepares it",
    ),
) -> None:
    """The text layer of printed PDFs, as templates see it (for writing a template's regexes)."""
    from robot.pdftext import Template
    from robot.pdftext import pdf_text as text_of

    try:
        tpl = Template.load(template) if template is not None else None
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    for warning in tpl.warnings if tpl is not None else ():
        typer.echo(f"warning: {warning}", err=True)
    failed = 0
    for path in files:
        try:
            text = text_of(path.read_bytes(), str(path))
        except ReadError as exc:
            failed += 1
            typer.echo(f"{path}: {exc.reason}", err=True)
            continue
        typer.echo(f"===== {path}")
        typer.echo(text)
        if tpl is not None:
            prepared = tpl.prepare(text)
            verdict = "matches" if tpl.matches(prepared, text) else "does NOT match (a keyword is missing)"
            typer.echo(f"===== prepared by {tpl.path.name}: the template {verdict}")
            typer.echo(prepared)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)
