"""One way for every command to find the store.

The first of these that is given decides:

1. ``--database URL``
2. ``$FAKTURAROBOT_DATABASE_URL``
3. ``--config FILE``: its ``database`` (a SQLite path relative to the file)
4. ``$FAKTURAROBOT_CONFIG``: the same
5. ``./fakturarobot.yaml`` if it exists (the file ``fakturarobot run`` uses by default): the same
6. ``sqlite:///var/fakturarobot.db`` under the working directory

``run``, ``scheduler`` and ``worker`` read the configuration anyway and take its database unless
``$FAKTURAROBOT_DATABASE_URL`` is set (``robot.configuration.wiring``), which is the same order.

Commands that only read (``runs``, ``held``, ``show``, ``health``) never create or change a store:
a missing SQLite file, a database without the robot's schema or with an older one is an error
naming the URL and where it came from (exit 2 on the command line). Commands that record a
decision (``release``, ``return``, ``retry``) need an existing store too, and may upgrade its
schema. Use from a command::

    store = cli_store(database, config)                    # read-only
    store = cli_store(database, config, read_only=False)   # records decisions

or, to handle the error yourself, :func:`open_store` (raises
:class:`robot.store.db.StoreUnavailable`, a :class:`~robot.errors.ConfigError`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from robot.cli.common import CFG, DB, DEFAULT_CONFIG, EXIT_CONFIG
from robot.configuration.envvars import CONFIG_ENV, DEFAULT_URL, ENV_URL
from robot.errors import ConfigError

if TYPE_CHECKING:
    from robot.store.repo import Store

__all__ = ["CFG", "DB", "DEFAULT_CONFIG", "StoreLocation", "cli_store", "locate_store", "open_store"]


@dataclass(frozen=True)
class StoreLocation:
    """The store's URL and what chose it (for messages: ``--config samples/fakturarobot.yaml``)."""

    url: str
    source: str


def locate_store(database: str | None = None, config: Path | None = None) -> StoreLocation:
    """Where the store is, by the order in this module's docstring. Raises ConfigError for a
    configuration file that is named but missing or invalid."""
    if database:
        return StoreLocation(database, "--database")
    if os.environ.get(ENV_URL):
        return StoreLocation(os.environ[ENV_URL], f"${ENV_URL}")
    if config is not None:
        return _from_config(config, "--config")
    if os.environ.get(CONFIG_ENV):
        return _from_config(Path(os.environ[CONFIG_ENV]), f"${CONFIG_ENV}")
    if DEFAULT_CONFIG.is_file():
        return _from_config(DEFAULT_CONFIG, "the default configuration file")
    return StoreLocation(DEFAULT_URL, f"the default; give --database, --config, ${ENV_URL} or ${CONFIG_ENV}")


def _from_config(path: Path, given_by: str) -> StoreLocation:
    from robot.configuration.settings import load_config

    if not path.is_file():
        raise ConfigError(f"configuration file not found (given by {given_by})", file=str(path))
    database = load_config(path).cfg.database
    assert database is not None  # load_config fills in the default
    return StoreLocation(database, f"{given_by} {path}")


def open_store(database: str | None, config: Path | None, *, read_only: bool = True) -> Store:
    """The store at :func:`locate_store`'s URL; never creates one.

    ``read_only``: neither creates nor migrates (an older schema is an error); otherwise an older
    schema is upgraded. Raises StoreUnavailable (naming the URL and its source) or ConfigError.
    """
    from robot.store.db import StoreUnavailable
    from robot.store.repo import Store

    where = locate_store(database, config)
    try:
        return Store.open(where.url, existing=True, upgrade=not read_only)
    except StoreUnavailable as exc:
        raise StoreUnavailable(where.url, exc.reason, source=where.source) from None


def cli_store(database: str | None, config: Path | None, *, read_only: bool = True) -> Store:
    """:func:`open_store` for a command: an error is one line on stderr and exit 2."""
    try:
        return open_store(database, config, read_only=read_only)
    except ConfigError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
