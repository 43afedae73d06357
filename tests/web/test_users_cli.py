"""``fakturarobot user add|list|disable``: the console's people, managed from the command line.

Over the populated demo store of conftest.py (``web_store``), so these also prove that fixture:
the user made by the command logs in to the console over that store.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.store.schema import InvoiceRow, UserRow
from robot.store.users import Users
from tests.conftest import SAMPLES
from tests.web.conftest import BASE_URL, HTML, log_in

if TYPE_CHECKING:
    from fastapi import FastAPI

    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store

_register()
runner = CliRunner()
SECRET = "kreditor-hemmelig-2026"


@pytest.fixture
def db(web_config: LoadedConfig, web_store: Store) -> list[str]:
    assert web_config.cfg.database
    return ["--database", web_config.cfg.database]


def test_the_fixture_store_holds_the_demo_run(web_store: Store) -> None:
    with web_store.sessions() as s:
        states = dict(s.execute(select(InvoiceRow.state, func.count()).group_by(InvoiceRow.state)).all())
    assert states.get("held", 0) > 0 and states.get("posted", 0) > 0 and states.get("returned", 0) > 0


def test_add_reads_the_password_from_stdin_and_stores_only_its_hash(
    db: list[str], web_store: Store, web_app: FastAPI
) -> None:
    added = runner.invoke(
        app, ["user", "add", "anna", "--role", "creditor", "--password-stdin", *db], input=SECRET + "\n"
    )
    assert added.exit_code == 0, added.output
    assert SECRET not in added.output
    with web_store.sessions() as s:
        row = s.scalars(select(UserRow).where(UserRow.name == "anna")).one()
    assert row.role == "creditor" and row.customer_id is None and not row.disabled
    assert row.password_hash.startswith("$argon2id$") and SECRET not in row.password_hash
    from fastapi.testclient import TestClient

    with TestClient(web_app, base_url=BASE_URL) as client:
        log_in(client, "anna", SECRET)


def test_add_with_a_customer_and_list(db: list[str]) -> None:
    for name, role, extra in (("ole", "viewer", ["--customer", "5798000000001"]), ("mette", "admin", [])):
        done = runner.invoke(
            app, ["user", "add", name, "--role", role, *extra, "--password-stdin", *db], input=SECRET
        )
        assert done.exit_code == 0, done.output
    listed = runner.invoke(app, ["user", "list", "--json", *db])
    assert listed.exit_code == 0, listed.output
    rows = {r["name"]: r for r in json.loads(listed.output)}
    assert rows["ole"]["role"] == "viewer" and rows["ole"]["customer_id"] == "5798000000001"
    assert rows["mette"]["role"] == "admin" and rows["mette"]["customer_id"] is None
    assert "password_hash" not in rows["ole"] and not rows["ole"]["disabled"]
    plain = runner.invoke(app, ["user", "list", *db])
    assert "ole" in plain.output and "5798000000001" in plain.output and "(all customers)" in plain.output


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["user", "add", "anna", "--role", "boss", "--password-stdin"], SECRET, "role 'boss'"),
        (["user", "add", "anna", "--role", "viewer", "--password-stdin"], "short", "12 characters"),
        (["user", "add", "anna", "--password-stdin"], SECRET, "--role"),
        (["user", "add", "<script>", "--role", "viewer", "--password-stdin"], SECRET, "letters, digits"),
        (["user", "disable", "nobody"], "", "no user 'nobody'"),
        (["user", "rename", "anna"], "", "unknown action"),
        (["user", "add", "--role", "viewer"], "", "needs the user's NAME"),
    ],
)
def test_refusals(db: list[str], args: list[str], stdin: str, says: str) -> None:
    done = runner.invoke(app, [*args, *db], input=stdin)
    assert done.exit_code == 2
    assert says in done.output


def test_a_taken_name_is_refused(db: list[str]) -> None:
    first = runner.invoke(
        app, ["user", "add", "anna", "--role", "viewer", "--password-stdin", *db], input=SECRET
    )
    assert first.exit_code == 0
    again = runner.invoke(
        app, ["user", "add", "anna", "--role", "admin", "--password-stdin", *db], input=SECRET
    )
    assert again.exit_code == 2 and "exists already" in again.output


def test_disable_ends_the_sessions_and_the_logins(db: list[str], web_store: Store, web_app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    runner.invoke(app, ["user", "add", "anna", "--role", "creditor", "--password-stdin", *db], input=SECRET)
    with TestClient(web_app, base_url=BASE_URL) as client:
        log_in(client, "anna", SECRET)
        assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 303  # in
        done = runner.invoke(app, ["user", "disable", "anna", *db])
        assert done.exit_code == 0, done.output
        assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 200  # out
    assert Users(web_store.sessions).check_password("anna", SECRET) is None
    listed = json.loads(runner.invoke(app, ["user", "list", "--json", *db]).output)
    assert listed == [{**listed[0], "name": "anna", "disabled": True}]


class _Served:
    """uvicorn.run replaced: keeps the app and where it would listen."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, str, int]] = []

    def __call__(self, app: Any, *, host: str, port: int, **_: Any) -> None:
        self.calls.append((app, host, port))


@pytest.mark.parametrize(("host", "secure"), [("127.0.0.1", False), ("localhost", False), ("0.0.0.0", True)])
def test_web_serves_the_configured_store_with_secure_cookies_off_the_local_host(
    web_config: LoadedConfig, web_store: Store, monkeypatch: pytest.MonkeyPatch, host: str, secure: bool
) -> None:
    import uvicorn

    served = _Served()
    monkeypatch.setattr(uvicorn, "run", served)
    done = runner.invoke(app, ["web", "--config", str(web_config.path), "--host", host, "--port", "8123"])
    assert done.exit_code == 0, done.output
    [(console, at, port)] = served.calls
    assert (at, port) == (host, 8123)
    assert console.state.secure_cookies is secure
    assert console.state.store.engine.url.database == web_store.engine.url.database


def test_demo_web_prints_a_demo_user_that_logs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from fastapi.testclient import TestClient

    served = _Served()
    monkeypatch.setattr(uvicorn, "run", served)
    shutil.copytree(SAMPLES, tmp_path / "samples")  # the demo uses ./samples: all it writes stays here
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    done = runner.invoke(app, ["demo", "--web", "--port", "8124"])
    assert done.exit_code == 0, done.output
    ran = re.search(r"processed (\d+)", done.output)
    assert ran and int(ran.group(1)) > 0, done.output  # the samples were run
    found = re.search(r"user demo, password (\S+)", done.output)
    assert found, done.output
    [(console, host, port)] = served.calls
    assert (host, port) == ("127.0.0.1", 8124) and console.state.secure_cookies is False
    assert str(tmp_path / "var" / "demo") in str(console.state.store.engine.url.database)
    with TestClient(console) as client:  # plain http, as on 127.0.0.1
        log_in(client, "demo", found.group(1))
        assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 303
    again = runner.invoke(app, ["demo", "--web", "--keep"])  # a new password each time
    assert again.exit_code == 0, again.output
    assert found.group(1) not in again.output


def test_demo_web_refuses_a_store_other_than_the_demos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKTURAROBOT_DATABASE_URL", "sqlite:////somewhere/else.db")
    done = runner.invoke(app, ["demo", "--web"])
    assert done.exit_code == 2 and "demo's own store" in done.output
