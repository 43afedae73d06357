"""The Typer application; each command group lives in its own module.

Exit codes (a contract): 0 ok; 1 documents with findings (validate), unreadable documents (parse)
or a partial run; 2 usage or configuration error; 3 a failed run.
"""

from __future__ import annotations

import sys

import typer

from robot.errors import ConfigError

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG, EXIT_FAILED = 0, 1, 2, 3

app = typer.Typer(
    name="fakturarobot",
    help="Invoice robot for public-sector shared service centres: read, classify, post, return, hold.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def setup_logging(verbose: bool = False, json_log: str | None = None) -> None:
    """In a terminal, warnings only (a progress bar shows the run); otherwise a plain line per step."""
    from robot.logsetup import configure_logging

    level = "DEBUG" if verbose else ("WARNING" if sys.stderr.isatty() else "INFO")
    configure_logging(level, json_log)


def _register() -> None:
    import robot.cli.health_cmd as health_cmd
    from robot.cli import config_cmd, documents, history, holds_cmd, rules_cmd, runs_cmd, schedule_cmd

    for module in (documents, rules_cmd, runs_cmd, history, holds_cmd, config_cmd, schedule_cmd):
        module.register(app)
    health_cmd.register(app)


def main() -> None:
    _register()
    setup_logging()
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
