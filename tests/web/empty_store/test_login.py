"""Login, sessions, the throttle and logout.

The console here runs over the empty ``store`` of tests/conftest.py (SQLite and PostgreSQL), with
no configuration (the defaults of ``web:``). The rules every route obeys: test_routes.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from fastapi.testclient import TestClient

from robot.store.schema import utcnow
from robot.store.users import Users
from tests.web.conftest import BASE_URL, HTML, PASSWORD, log_in, login_post

if TYPE_CHECKING:
    from fastapi import FastAPI

    from robot.store.repo import Store


def test_login_opens_a_session_with_safe_cookie_flags(people: Users, client: TestClient) -> None:
    done = login_post(client, "anna", PASSWORD, "/holds?customer=X")
    assert done.status_code == 303
    assert done.headers["location"] == "/holds?customer=X"
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("fr_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    token = cookie.split(";")[0].removeprefix("fr_session=")
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    stored = people.sessions
    from sqlalchemy import select

    from robot.store.schema import WebSessionRow

    with stored() as s:
        hashes = list(s.scalars(select(WebSessionRow.token_hash)))
    assert hashes and token not in hashes  # only the hash is kept
    assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 303  # logged in


def test_login_form_has_the_named_fields_and_a_csrf_token(client: TestClient) -> None:
    page = client.get("/login", headers=HTML)
    assert page.status_code == 200
    assert re.search(r'<input[^>]+name="username"', page.text)
    assert re.search(r'<input[^>]+name="password"[^>]+type="password"', page.text)
    token = client.cookies.get("fr_login_csrf")
    assert token and f'value="{token}"' in page.text


def test_wrong_password_and_unknown_user_get_the_same_refusal(people: Users, client: TestClient) -> None:
    wrong = login_post(client, "anna", "not the password at all")
    unknown = login_post(client, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "fr_session" not in client.cookies

    def message(r: object) -> str:
        found = re.search(r'role="alert">([^<]*)<', r.text)  # type: ignore[attr-defined]
        assert found
        return found.group(1)

    assert message(wrong) == message(unknown)


def test_login_without_the_form_token_is_refused(people: Users, client: TestClient) -> None:
    client.get("/login", headers=HTML)
    done = client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": "forged" * 8},
        follow_redirects=False,
    )
    assert done.status_code == 403
    assert "fr_session" not in client.cookies


def test_throttled_after_five_failures_even_with_the_right_password(
    people: Users, client: TestClient
) -> None:
    for _ in range(5):
        assert login_post(client, "anna", "wrong password!").status_code == 401
    refused = login_post(client, "anna", PASSWORD)
    assert refused.status_code == 429
    assert "15 min" in refused.text  # "Prøv igen om 15 minutter"
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert login_post(client, "anna", PASSWORD).status_code == 303


def test_throttle_per_address_covers_every_name(people: Users, client: TestClient) -> None:
    for i in range(20):
        login_post(client, f"guess{i}", "wrong password!")
    assert login_post(client, "anna", PASSWORD).status_code == 429


def test_a_success_resets_the_count_of_the_name(people: Users, client: TestClient) -> None:
    for _ in range(4):
        assert login_post(client, "anna", "wrong password!").status_code == 401
    assert login_post(client, "anna", PASSWORD).status_code == 303
    for _ in range(4):
        assert login_post(client, "anna", "wrong password!").status_code == 401
    assert login_post(client, "anna", PASSWORD).status_code == 303  # 8 failures, but 4 since the success
    assert login_post(client, "anna", "wrong password!").status_code == 401
    assert login_post(client, "anna", PASSWORD).status_code == 303


def test_disabled_user_cannot_log_in_and_loses_open_sessions(people: Users, web_app: FastAPI) -> None:
    with TestClient(web_app, base_url=BASE_URL) as before:
        log_in(before, "anna")
        assert before.get("/healthz").status_code == 200
        people.disable("anna")
        assert before.post("/logout", headers={"X-CSRF-Token": "x"}).status_code == 401
    with TestClient(web_app, base_url=BASE_URL) as after:
        assert login_post(after, "anna", PASSWORD).status_code == 401


def test_session_ends_after_idle_timeout(
    people: Users, client: TestClient, csrf: Callable[[TestClient], str]
) -> None:
    log_in(client, "anna")
    token = csrf(client)
    with time_machine.travel(utcnow() + timedelta(minutes=29), tick=False):
        assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 303  # still in
    with time_machine.travel(utcnow() + timedelta(minutes=29 + 31), tick=False):
        refused = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert refused.status_code == 401  # idle for 31 minutes: the session is gone


def test_session_ends_after_its_lifetime_even_when_used(people: Users, client: TestClient) -> None:
    log_in(client, "anna")
    start = utcnow()
    for step in range(1, 12 * 3):  # every 20 minutes: never idle for long
        with time_machine.travel(start + timedelta(minutes=20 * step), tick=False):
            assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 303
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 200  # the form again


def test_logout_deletes_the_session(
    people: Users, client: TestClient, csrf: Callable[[TestClient], str]
) -> None:
    log_in(client, "anna")
    stolen = {"Cookie": f"fr_session={client.cookies.get('fr_session')}", **HTML}
    assert client.get("/login", headers=stolen, follow_redirects=False).status_code == 303  # opens it now
    done = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    from sqlalchemy import func, select

    from robot.store.schema import WebSessionRow

    with people.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebSessionRow)) == 0
    assert client.get("/login", headers=stolen, follow_redirects=False).status_code == 200  # not any more


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "holds"]
)
def test_next_url_stays_on_this_site(people: Users, client: TestClient, target: str) -> None:
    done = login_post(client, "anna", PASSWORD, target)
    assert done.status_code == 303
    assert done.headers["location"] == "/"


def test_two_instances_share_sessions_and_the_throttle(people: Users, web_store: Store) -> None:
    """Nothing in the process: a second app over the same store knows the first one's sessions and
    counts its failures (as instances behind a load balancer must)."""
    from robot.web.app import create_app

    first, second = create_app(None, web_store), create_app(None, web_store)
    with TestClient(first, base_url=BASE_URL) as a, TestClient(second, base_url=BASE_URL) as b:
        log_in(a, "anna")
        cookie = {"Cookie": f"fr_session={a.cookies.get('fr_session')}"}
        assert b.get("/login", headers=HTML, follow_redirects=False).status_code == 200  # b: no session yet
        assert b.get("/login", headers={**HTML, **cookie}, follow_redirects=False).status_code == 303  # a's
        for _ in range(5):
            assert login_post(a, "anna", "wrong password!").status_code == 401
        assert login_post(b, "anna", PASSWORD).status_code == 429


def test_a_login_forgets_old_sessions_and_attempts(people: Users, client: TestClient) -> None:
    from sqlalchemy import func, select

    from robot.store.schema import LoginAttemptRow, WebSessionRow

    long_ago = utcnow() - timedelta(days=8)
    with time_machine.travel(long_ago, tick=False):
        login_post(client, "anna", "wrong password!")
        log_in(client, "anna")
    with people.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebSessionRow)) == 1
    log_in(client, "anna")  # a new browser's login, 8 days later
    with people.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebSessionRow)) == 1  # only the new one
        assert s.scalar(select(func.min(LoginAttemptRow.at))) > long_ago + timedelta(days=1)
