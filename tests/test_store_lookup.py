"""One way to find the store (robot.cli.store_lookup) and read-only commands that create nothing.

Order: ``--database``, ``$FAKTURAROBOT_DATABASE_URL``, ``--config``, ``$FAKTURAROBOT_CONFIG``,
``./fakturarobot.yaml``, ``sqlite:///var/fakturarobot.db``; a SQLite path in the configuration is
relative to the configuration file.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select
from typer.testing import CliRunner, Result

from robot.cli.app import _register, app
from tests.conftest import SAMPLES
from tests.support.bulk import write_config

_register()
runner = CliRunner()

READ_ONLY = [
    ["runs"],
    ["runs", "--json"],
    ["held"],
    ["held", "--json"],
    ["show", "1"],
    ["show", "1", "--json"],
]
DECISIONS = [
    ["release", "1", "--by", "Anna K"],
    ["return", "1", "--by", "Anna K", "--reason", "Mangler ordrenummer"],
    ["retry", "1", "--by", "Anna K"],
]


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No store or configuration from the environment; a working directory of its own."""
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAKTURAROBOT_CONFIG", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def cli(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return runner.invoke(app, list(args), env=env)


def migrated(path: Path) -> str:
    from robot.store.repo import Store

    url = f"sqlite:///{path}"
    Store.open(url).close()
    return url


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- a mistyped path, an empty or foreign database: exit 2, nothing created ----------------------


@pytest.mark.parametrize("args", READ_ONLY + DECISIONS, ids=lambda a: " ".join(a))
def test_a_mistyped_sqlite_path_is_exit_2_and_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "var" / "fakturarobt.db"  # a typo
    before = files_under(tmp_path)
    result = cli(*args, "--database", f"sqlite:///{db}")
    assert result.exit_code == 2, result.output
    assert f"sqlite:///{db}" in result.stderr and "does not exist" in result.stderr
    assert result.stdout == ""  # no "no runs", no empty table
    assert not db.exists() and not db.parent.exists()
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a))
def test_the_default_store_is_not_created_by_a_read_only_command(_clean_env: Path, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "sqlite:///var/fakturarobot.db" in result.stderr and "--config" in result.stderr
    assert files_under(_clean_env) == []


@pytest.mark.parametrize("args", READ_ONLY + DECISIONS, ids=lambda a: " ".join(a))
def test_an_empty_file_or_another_applications_database_is_exit_2_and_left_alone(
    tmp_path: Path, args: list[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()  # what a mistyped path used to leave behind
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    foreign_bytes = foreign.read_bytes()
    result = cli(*args, "--database", f"sqlite:///{empty}")
    assert result.exit_code == 2, result.output
    assert f"sqlite:///{empty}" in result.stderr and "empty" in result.stderr
    assert empty.stat().st_size == 0
    result = cli(*args, "--database", f"sqlite:///{foreign}")
    assert result.exit_code == 2, result.output
    assert "no fakturarobot schema" in result.stderr and "customers" in result.stderr
    assert foreign.read_bytes() == foreign_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "empty.db", "other.db"]  # no -wal, -shm


def test_an_older_schema_is_refused_by_reading_and_upgraded_by_a_decision(tmp_path: Path) -> None:
    from alembic import command

    from robot.store.db import alembic_config, create

    db = tmp_path / "old.db"
    url = f"sqlite:///{db}"
    engine = create(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    engine.dispose()
    result = cli("held", "--database", url)
    assert result.exit_code == 2 and "older" in result.stderr and "0003" in result.stderr, result.output
    result = cli("release", "1", "--by", "Anna K", "--database", url)
    assert result.exit_code == 2 and "no invoice 1" in result.output  # upgraded, then refused: nothing held
    assert cli("held", "--json", "--database", url).exit_code == 0


def test_postgresql_with_an_empty_schema_is_exit_2_for_read_only_commands(pg_fresh_url: str) -> None:
    engine = create_engine(pg_fresh_url)
    try:
        for args in READ_ONLY:
            result = cli(*args, "--database", pg_fresh_url)
            assert result.exit_code == 2, (args, result.output)
            assert "127.0.0.1:5432/test" in result.stderr and "empty" in result.stderr
            assert result.stdout == ""
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []  # not migrated behind our back
    finally:
        engine.dispose()
    from robot.store.repo import Store

    Store.open(pg_fresh_url).close()  # once a writer created it, reading works
    result = cli("held", "--json", "--database", pg_fresh_url)
    assert result.exit_code == 0 and result.stdout == "", result.output


# --- the order of the sources --------------------------------------------------------------------


def test_the_sources_are_taken_in_order(tmp_path: Path, _clean_env: Path) -> None:
    real = migrated(tmp_path / "real.db")
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    on_disk = write_config(tmp_path / "cfg", database="sqlite:///store.db")  # relative to the file
    migrated(tmp_path / "cfg" / "store.db")
    elsewhere = write_config(tmp_path / "other", database="sqlite:///store.db")  # no such store

    # --database beats $FAKTURAROBOT_DATABASE_URL
    result = cli("held", "--json", "--database", real, env={"FAKTURAROBOT_DATABASE_URL": missing})
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "missing.db").exists()
    # $FAKTURAROBOT_DATABASE_URL beats --config
    result = cli("held", "--json", "--config", str(elsewhere), env={"FAKTURAROBOT_DATABASE_URL": real})
    assert result.exit_code == 0, result.output
    # --config beats $FAKTURAROBOT_CONFIG
    result = cli("held", "--json", "--config", str(on_disk), env={"FAKTURAROBOT_CONFIG": str(elsewhere)})
    assert result.exit_code == 0, result.output
    result = cli("held", "--json", "--config", str(elsewhere), env={"FAKTURAROBOT_CONFIG": str(on_disk)})
    assert result.exit_code == 2 and str(tmp_path / "other" / "store.db") in result.stderr
    assert "--config" in result.stderr
    # $FAKTURAROBOT_CONFIG alone
    result = cli("held", "--json", env={"FAKTURAROBOT_CONFIG": str(on_disk)})
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "other" / "store.db").exists()
    assert files_under(_clean_env) == []

    # ./fakturarobot.yaml, the file `fakturarobot run` uses by default, before the built-in default
    from robot.cli.store_lookup import locate_store

    shutil.copyfile(on_disk, _clean_env / "fakturarobot.yaml")
    where = locate_store()
    assert where.url == f"sqlite:///{_clean_env / 'store.db'}" and where.source.endswith("fakturarobot.yaml")
    (_clean_env / "fakturarobot.yaml").unlink()
    assert locate_store().url == "sqlite:///var/fakturarobot.db"

    # a configuration that is named but missing is an error, never a fall-through
    result = cli("held", env={"FAKTURAROBOT_CONFIG": str(tmp_path / "nope.yaml")})
    assert result.exit_code == 2 and "nope.yaml" in result.stderr and "FAKTURAROBOT_CONFIG" in result.stderr


def test_a_configuration_without_database_keeps_its_store_beside_the_file(tmp_path: Path) -> None:
    from robot.configuration.settings import load_config

    path = write_config(tmp_path / "conf")
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in text if not line.startswith("database:")), encoding="utf-8")
    assert load_config(path).cfg.database == f"sqlite:///{tmp_path / 'conf' / 'var' / 'fakturarobot.db'}"


# --- the demo's configuration: one store, from any working directory ------------------------------


def _demo(site: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    shutil.copytree(SAMPLES, site / "samples")
    monkeypatch.chdir(site)
    result = cli("demo", "--json")
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def test_fakturarobot_config_is_honoured_by_held_show_and_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from robot.store.schema import Event

    site = tmp_path / "site"
    summary = _demo(site, monkeypatch)
    held_in_demo = summary["counts"]["held"]  # type: ignore[index]
    assert isinstance(held_in_demo, int) and held_in_demo > 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    env: dict[str, str | None] = {"FAKTURAROBOT_CONFIG": str(site / "samples" / "fakturarobot.yaml")}

    result = cli("held", "--json", env=env)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == held_in_demo
    [target] = [r for r in rows if r["source_ref"] == "0050-peppol-above-auto-post-limit.xml"]
    invoice_id = target["invoice_id"]

    result = cli("show", str(invoice_id), "--json", env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["source_ref"] == target["source_ref"]

    result = cli("release", str(invoice_id), "--by", "Anna K", "--note", "limit checked", env=env)
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{site / 'var' / 'demo' / 'fakturarobot.db'}")
    try:
        with engine.connect() as conn:
            latest = conn.execute(
                select(Event.kind, Event.detail)
                .where(Event.invoice_id == invoice_id)
                .order_by(Event.id.desc())
            ).first()
    finally:
        engine.dispose()
    assert latest is not None and latest.kind == "released" and latest.detail["by"] == "Anna K"
    assert files_under(elsewhere) == []  # no store of its own in the working directory


def test_run_with_the_samples_configuration_from_another_directory_uses_the_demo_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    shutil.copytree(SAMPLES, site / "samples")
    inbox = site / "var" / "demo" / "inbox"  # where the samples configuration's source looks
    shutil.copytree(SAMPLES / "inbox", inbox)
    documents = len([p for p in inbox.iterdir() if p.is_file() and not p.name.endswith(".meta.json")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = str(site / "samples" / "fakturarobot.yaml")

    result = cli("run", "--config", config, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["processed"] == documents > 0
    assert (site / "var" / "demo" / "fakturarobot.db").is_file()
    assert files_under(elsewhere) == []

    monkeypatch.chdir(site)  # the demo's own directory: the same store by any route
    result = cli("runs", "--json", "--config", "samples/fakturarobot.yaml")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["run_id"] == summary["run_id"]
    result = cli("runs", "--json", "--database", "sqlite:///var/demo/fakturarobot.db")
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["run_id"] == summary["run_id"]
