"""``check-config``: validate every configuration file, naming file, line and what is allowed."""

from __future__ import annotations

from pathlib import Path

import typer

from robot.cli.common import EXIT_CONFIG, EXIT_OK, config_path
from robot.errors import ConfigError


def check_config(
    config: Path | None = typer.Option(None, "--config", "-c", help="Configuration file"),
    probe: bool = typer.Option(False, "--probe", help="Also try each connector (reachability, auth)"),
) -> None:
    """Validate the configuration, master data, customer criteria, schedules and rule plugins."""
    from classifiers.engine import load_failures
    from robot.configuration.checks import check_all

    errors, notes = check_all(config_path(config), probe=probe)
    errors += [str(failure) for failure in load_failures()]
    for note in notes:  # a note may be a warning (a template key invoice2data ignores too)
        typer.echo(note if note.startswith("warning: ") else f"ok: {note}")
    for err in errors:
        typer.echo(f"error: {err}", err=True)
    if errors:
        raise typer.Exit(EXIT_CONFIG)
    raise typer.Exit(EXIT_OK)


__all__ = ["ConfigError", "check_config"]
