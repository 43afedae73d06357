"""What the commands share: the exit codes and their one mapping from a run's status, the
``--database``/``--config`` options, and finding the configuration file.

Exit codes (a contract): 0 ok; 1 documents with findings (validate), unreadable documents (parse)
or a partial run; 2 usage or configuration error; 3 a failed run.

This module is imported by every command, so it stays light: typer and the standard library only.
Opening the store lives in :mod:`robot.cli.store_lookup` (SQLAlchemy), imported by the commands
that read one. :func:`when_imported` lets a command set up logging only once something imports
loguru (a command that never logs does not pay for loguru's import).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, TypeVar

import typer

from robot.configuration.envvars import CONFIG_ENV, DEFAULT_CONFIG_FILE, ENV_URL

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG, EXIT_FAILED = 0, 1, 2, 3

#: a run's (shown) status → the exit code of ``run``, ``worker`` and ``runs``; anything else fails
EXIT_BY_STATUS = {"ok": EXIT_OK, "running": EXIT_OK, "partial": EXIT_FINDINGS, "failed": EXIT_FAILED}

DEFAULT_CONFIG = Path(DEFAULT_CONFIG_FILE)
T = TypeVar("T")

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
#: ``--json`` of a command whose ``list`` action prints JSON (``user``, ``token``)
LIST_JSON = typer.Option(False, "--json", help="list: print JSON")
#: ``--customer`` of a command that shows or replays stored invoices (``held``, ``report``, ``what-if``)
ONLY_CUSTOMER = typer.Option(None, "--customer", help="Only this customer's invoices (any case)")
#: ``--json`` of a command that prints one JSON object a line
JSON_LINES = typer.Option(False, "--json", help="JSON Lines")
#: ``--csv`` of a command that prints a table
CSV_TABLE = typer.Option(False, "--csv", help="CSV with a header line")
#: ``--json`` of a command that prints a run's summary (``run``, ``worker``, ``scheduler --once``)
SUMMARY_JSON = typer.Option(False, "--json", help="Print the run summary as JSON")
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


def usage_error(message: str) -> NoReturn:
    """``error: message`` on stderr and exit 2 (a usage error)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_CONFIG)


def check_action(action: str, actions: Sequence[str]) -> None:
    """A command's ``action`` argument that is not one of ``actions``: a usage error naming them."""
    if action not in actions:
        usage_error(f"unknown action {action!r}: one of {', '.join(actions)}")


def json_fields(item: Any, **rename: str) -> dict[str, Any]:
    """A dataclass's fields in order as JSON values (datetimes in ISO 8601), a field named in
    ``rename`` under its new name: ``json_fields(token, token_id="id")``."""
    return {rename.get(f.name, f.name): _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def echo_list(
    items: Sequence[T],
    *,
    as_json: bool,
    lines: Callable[[Sequence[T]], Iterable[str]],
    empty: str,
    row: Callable[[T], dict[str, Any]] = json_fields,
) -> None:
    """A ``list`` action's answer: with ``--json`` one JSON array of ``row(item)`` (by default the
    item's :func:`json_fields`); else ``empty`` when there are no items, or the ``lines`` of the items."""
    if as_json:
        typer.echo(json.dumps([row(i) for i in items], ensure_ascii=False))
    elif not items:
        typer.echo(empty)
    else:
        for line in lines(items):
            typer.echo(line)


def when_imported(name: str, then: Callable[[], None]) -> None:
    """Call ``then`` once top-level module ``name`` is imported: now if it already is, else right
    after its first import has run the module's code and before the importer gets it.

    ``when_imported("loguru", setup_logging)`` sets up the sinks before the first log call, exactly
    as calling ``setup_logging()`` first would, but only in a process that imports loguru at all.
    """
    if name in sys.modules:
        then()
    else:
        sys.meta_path.insert(0, _AfterImport(name, then))


class _AfterImport:
    """A meta path finder that finds nothing itself: for module ``name`` it takes the spec the other
    finders give, has its loader call ``then`` after running the module, and steps aside."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name, self.then = name, then

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenLoader(spec.loader, self.then)  # type: ignore[assignment]
        return spec


class _ThenLoader:
    """``loader``, then ``then``; the module keeps ``loader`` as its own."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self.loader, self.then = loader, then

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self.loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        self.then()
