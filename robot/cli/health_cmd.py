"""``health``: a monitoring check for Nagios, Icinga, Naemon, Zabbix or Checkmk (robot/running/health.py).

    $ fakturarobot health --config /etc/fakturarobot/fakturarobot.yaml
    FAKTURAROBOT OK - last run 12 ok 2h ago; 3 held, 0 overdue, 0 notices pending, 0 notices refused | ...

One line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. It only reads: a store that does not exist
is UNKNOWN and is not created. Whatever goes wrong inside the check is UNKNOWN too, never a
traceback (whose exit 1 a monitoring system would read as WARNING).
"""

from __future__ import annotations

from pathlib import Path

import typer

from robot.cli.common import CFG, DB, DEFAULT_CONFIG, configured
from robot.cli.store_lookup import open_store
from robot.configuration.settings import HealthSettings, load_config
from robot.errors import ConfigError
from robot.running.health import Health, evaluate, plain, unknown
from robot.store.repo import Store
from robot.store.schema import utcnow


def health(config: Path | None = CFG, database: str | None = DB) -> None:
    """One Nagios/Icinga plugin line with performance data. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

    Thresholds: the configuration's ``health:`` section. Read-only: never creates a store.
    """
    result = check(config, database)
    typer.echo(result.line())
    raise typer.Exit(result.state)


def check(config: Path | None, database: str | None) -> Health:
    try:
        settings = thresholds(config)
        store = _open_store(database, config)
    except ConfigError as exc:
        return unknown(exc.message)
    except Exception as exc:
        return unknown(f"{type(exc).__name__}: {exc}")
    try:
        return evaluate(store, settings, utcnow())
    except Exception as exc:  # e.g. the database went away: the check could not be done
        return unknown(plain(f"reading the store failed: {type(exc).__name__}: {exc}"))
    finally:
        store.close()


def thresholds(config: Path | None) -> HealthSettings:
    """The ``health:`` section of the configuration (``--config``, ``$FAKTURAROBOT_CONFIG`` or
    ``./fakturarobot.yaml``); the defaults when there is none."""
    path = configured(config)
    if path is None and DEFAULT_CONFIG.is_file():
        path = DEFAULT_CONFIG
    return HealthSettings() if path is None else load_config(path).cfg.health


def _open_store(database: str | None, config: Path | None) -> Store:
    """The store, found as every command finds it (robot.cli.store_lookup); never created."""
    return open_store(database, config, read_only=True)
