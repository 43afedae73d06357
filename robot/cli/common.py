"""What the commands share: the exit codes and their one mapping from a run's status, the
``--database``/``--config`` options, and finding the configuration file.

Exit codes (a contract): 0 ok; 1 documents with findings (validate), unreadable documents (parse)
or a partial run; 2 usage or configuration error; 3 a failed run.

This module is imported by every command, so it stays light: typer and the standard library only.
Opening the store lives in :mod:`robot.cli.store_lookup` (SQLAlchemy), imported by the commands
that read one.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from robot.configuration.envvars import CONFIG_ENV, DEFAULT_CONFIG_FILE, ENV_URL

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG, EXIT_FAILED = 0, 1, 2, 3

#: a run's (shown) status → the exit code of ``run``, ``worker`` and ``runs``; anything else fails
EXIT_BY_STATUS = {"ok": EXIT_OK, "running": EXIT_OK, "partial": EXIT_FINDINGS, "failed": EXIT_FAILED}

DEFAULT_CONFIG = Path(DEFAULT_CONFIG_FILE)

DB = typer.Option(
    None,
    "--database",
    help=f"SQLAlchemy URL of the store (wins over ${ENV_URL} and the configuration's)",
)
CFG = typer.Option(
    None,
    "--config",
    "-c",
    help=f"Configuration file whose database to use (default: ${CONFIG_ENV}, else ./{DEFAULT_CONFIG_FILE})",
)
#: the configuration of a command that runs the robot (``run``, ``scheduler``, ``worker``)
RUN_CONFIG = typer.Option(None, "--config", "-c", help=f"Configuration file (or ${CONFIG_ENV})")


def exit_for(status: str) -> int:
    """The exit code for a run's status (:data:`EXIT_BY_STATUS`; an unknown status is a failure)."""
    return EXIT_BY_STATUS.get(status, EXIT_FAILED)


def configured(given: Path | None) -> Path | None:
    """The configuration file given, else ``$FAKTURAROBOT_CONFIG``'s; None when neither names one."""
    if given is not None:
        return given
    named = os.environ.get(CONFIG_ENV)
    return Path(named) if named else None


def config_path(given: Path | None) -> Path:
    """The configuration file to use (``--config``, ``$FAKTURAROBOT_CONFIG``, ``./fakturarobot.yaml``);
    one that does not exist is a line on stderr and exit 2."""
    path = configured(given) or DEFAULT_CONFIG
    if not path.is_file():
        typer.echo(f"configuration file not found: {path} (use --config or {CONFIG_ENV})", err=True)
        raise typer.Exit(EXIT_CONFIG)
    return path
