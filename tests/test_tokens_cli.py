"""``fakturarobot token add|list|revoke``: the status API's tokens from the command line.

The token is printed once and only its sha256 is stored; the list never shows a token; a revoked
token opens nothing. On SQLite (and PostgreSQL when it is there).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.store.api_tokens import ApiTokens
from robot.store.repo import Store
from robot.store.schema import ApiTokenRow

_register()
runner = CliRunner()


def _db(store: Store) -> list[str]:
    return ["--database", store.engine.url.render_as_string(hide_password=False)]


def test_add_prints_the_token_once_and_stores_only_its_hash(store: Store) -> None:
    done = runner.invoke(
        app, ["token", "add", "--customer", "5798000000001", "--name", "indkøb", *_db(store)]
    )
    assert done.exit_code == 0, done.output
    token = done.output.strip().splitlines()[-1]
    assert len(token) >= 43
    with store.sessions() as s:
        row = s.scalar(select(ApiTokenRow))
    assert row is not None and row.customer_id == "5798000000001" and row.name == "indkøb"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    assert ApiTokens(store.sessions).customer_of(token) == "5798000000001"

    listed = runner.invoke(app, ["token", "list", "--json", *_db(store)])
    assert listed.exit_code == 0, listed.output
    assert token not in listed.output and row.token_hash not in listed.output
    rows = json.loads(listed.output)
    assert [(r["id"], r["customer_id"], r["name"], r["revoked_at"]) for r in rows] == [
        (row.id, "5798000000001", "indkøb", None)
    ]
    plain = runner.invoke(app, ["token", "list", *_db(store)])
    assert "active" in plain.output and token not in plain.output


def test_revoke_ends_the_token(store: Store) -> None:
    made = ApiTokens(store.sessions).add("K1")
    done = runner.invoke(app, ["token", "revoke", str(made.token_id), *_db(store)])
    assert done.exit_code == 0, done.output
    assert ApiTokens(store.sessions).customer_of(made.token) is None
    again = runner.invoke(app, ["token", "revoke", str(made.token_id), *_db(store)])
    assert again.exit_code == 2 and "revoked already" in again.output
    assert json.loads(runner.invoke(app, ["token", "list", "--json", *_db(store)]).output)[0]["revoked_at"]


def test_usage_errors_exit_2(store: Store) -> None:
    for args in (["token", "add"], ["token", "revoke"], ["token", "revoke", "x"], ["token", "drop"]):
        done = runner.invoke(app, [*args, *_db(store)])
        assert done.exit_code == 2, (args, done.output)
    assert runner.invoke(app, ["token", "revoke", "99", *_db(store)]).exit_code == 2
