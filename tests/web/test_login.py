"""Login, sessions and the rules every route of the console obeys.

The console here runs over the empty ``store`` of tests/conftest.py (SQLite and PostgreSQL), with
no configuration (the defaults of ``web:``); the route sweeps run over every route the app serves,
pages that other modules add included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from robot.store.schema import utcnow
from robot.store.users import Users
from tests.web.conftest import BASE_URL, HTML, PASSWORD, ClientAs, log_in

if TYPE_CHECKING:
    from fastapi import FastAPI

    from robot.store.repo import Store

#: the only routes that answer without a session
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/healthz"),
    ("GET", "/login/oidc"),
    ("GET", "/login/oidc/callback"),
}


@pytest.fixture
def web_store(store: Store) -> Store:
    return store


@pytest.fixture
def web_config() -> None:
    return None


def _login_post(client: TestClient, name: str, password: str, next_url: str = "/") -> Any:
    """The login form filled in and sent (as a new browser would: any earlier session forgotten)."""
    client.cookies.delete("fr_session")
    assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 200
    return client.post(
        "/login",
        data={
            "username": name,
            "password": password,
            "csrf_token": client.cookies.get("fr_login_csrf") or "",
            "next": next_url,
        },
        headers=HTML,
        follow_redirects=False,
    )


@pytest.fixture
def people(web_store: Store) -> Users:
    users = Users(web_store.sessions)
    users.add("anna", "creditor", PASSWORD)
    return users


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url=BASE_URL) as c:
        yield c


def test_login_opens_a_session_with_safe_cookie_flags(people: Users, client: TestClient) -> None:
    done = _login_post(client, "anna", PASSWORD, "/holds?customer=X")
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
    wrong = _login_post(client, "anna", "not the password at all")
    unknown = _login_post(client, "nobody", "not the password at all")
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
        assert _login_post(client, "anna", "wrong password!").status_code == 401
    refused = _login_post(client, "anna", PASSWORD)
    assert refused.status_code == 429
    assert "15 min" in refused.text  # "Prøv igen om 15 minutter"
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert _login_post(client, "anna", PASSWORD).status_code == 303


def test_throttle_per_address_covers_every_name(people: Users, client: TestClient) -> None:
    for i in range(20):
        _login_post(client, f"guess{i}", "wrong password!")
    assert _login_post(client, "anna", PASSWORD).status_code == 429


def test_a_success_resets_the_count_of_the_name(people: Users, client: TestClient) -> None:
    for _ in range(4):
        assert _login_post(client, "anna", "wrong password!").status_code == 401
    assert _login_post(client, "anna", PASSWORD).status_code == 303
    for _ in range(4):
        assert _login_post(client, "anna", "wrong password!").status_code == 401
    assert _login_post(client, "anna", PASSWORD).status_code == 303  # 8 failures, but 4 since the success
    assert _login_post(client, "anna", "wrong password!").status_code == 401
    assert _login_post(client, "anna", PASSWORD).status_code == 303


def test_disabled_user_cannot_log_in_and_loses_open_sessions(people: Users, web_app: FastAPI) -> None:
    with TestClient(web_app, base_url=BASE_URL) as before:
        log_in(before, "anna")
        assert before.get("/healthz").status_code == 200
        people.disable("anna")
        assert before.post("/logout", headers={"X-CSRF-Token": "x"}).status_code == 401
    with TestClient(web_app, base_url=BASE_URL) as after:
        assert _login_post(after, "anna", PASSWORD).status_code == 401


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
    done = _login_post(client, "anna", PASSWORD, target)
    assert done.status_code == 303
    assert done.headers["location"] == "/"


def test_every_response_carries_the_security_headers(people: Users, client: TestClient) -> None:
    for response in (
        client.get("/login", headers=HTML),
        client.get("/healthz"),
        client.get("/static/console.css"),
    ):
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(people: Users, client: TestClient) -> None:
    html = client.get("/login", headers=HTML).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and " style=" not in html and not re.search(r"\son[a-z]+=", html)


def test_healthz_answers_without_a_session(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"ok": True, "database": True}


def test_language_switch(client: TestClient) -> None:
    assert "Brugernavn" in client.get("/login", headers=HTML).text
    english = client.get("/login?lang=en", headers=HTML)
    assert "User name" in english.text and client.cookies.get("lang") == "en"
    assert "User name" in client.get("/login", headers=HTML).text  # the cookie remembers


def test_roles(client_as: ClientAs) -> None:
    from robot.web.deps import User

    assert not User("v", "viewer").can_decide and User("c", "creditor").can_decide
    assert User("a", "admin").is_admin and not User("c", "creditor").is_admin
    assert User("c", "creditor", "KUNDE").sees("KUNDE") and not User("c", "creditor", "KUNDE").sees("OTHER")
    assert User("c", "creditor").sees("ANY")


# --- every route of the app, whoever added it ---------------------------------------------------


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or ()):
            if method != "HEAD" and route.path is not None:
                found.append((method, route.path))
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_sweep_sees_the_routes(web_app: FastAPI) -> None:
    routes = _routes(web_app)
    assert ("POST", "/logout") in routes and ("GET", "/healthz") in routes
    assert len(routes) >= 4


def test_every_route_but_the_public_ones_refuses_an_anonymous_request(web_app: FastAPI) -> None:
    with TestClient(web_app, base_url=BASE_URL) as anonymous:
        for method, path in _routes(web_app):
            if (method, path) in PUBLIC:
                continue
            api = anonymous.request(method, _concrete(path), follow_redirects=False)
            assert api.status_code in (401, 403), (
                f"{method} {path} answered {api.status_code} without a session"
            )
            page = anonymous.request(method, _concrete(path), headers=HTML, follow_redirects=False)
            assert page.status_code in (303, 401, 403), f"{method} {path}: {page.status_code}"
            if page.status_code == 303:
                assert page.headers["location"].startswith("/login")


def test_every_post_refuses_a_session_without_the_csrf_token(web_app: FastAPI, client_as: ClientAs) -> None:
    posts = [
        p for m, p in _routes(web_app) if m in ("POST", "PUT", "PATCH", "DELETE") and (m, p) not in PUBLIC
    ]
    assert "/logout" in posts
    admin = client_as("admin")
    for path in posts:
        for sent in ({}, {"csrf_token": "forged-token-value"}):
            refused = admin.post(_concrete(path), data=sent, follow_redirects=False)
            assert refused.status_code == 403, f"POST {path} with {sent or 'no token'}: {refused.status_code}"
            assert "CSRF" in refused.text, f"POST {path} refused, but not for its CSRF token: {refused.text}"
        wrong_header = admin.post(_concrete(path), headers={"X-CSRF-Token": "forged"}, follow_redirects=False)
        assert wrong_header.status_code == 403, (
            f"POST {path} with a forged header: {wrong_header.status_code}"
        )
    assert admin.get("/login", headers=HTML, follow_redirects=False).status_code == 303  # still logged in


def test_anonymous_page_request_goes_to_login_with_next(web_app: FastAPI, people: Users) -> None:
    from fastapi import APIRouter, Depends

    from robot.web.deps import User, viewer

    probe = APIRouter()

    @probe.get("/probe-page")
    def page(user: User = Depends(viewer)) -> dict[str, str]:
        return {"name": user.name}

    web_app.include_router(probe)
    with TestClient(web_app, base_url=BASE_URL) as c:
        gone = c.get("/probe-page?x=1", headers=HTML, follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"] == "/login?next=%2Fprobe-page%3Fx%3D1"
        assert c.get("/probe-page").status_code == 401
        done = _login_post(c, "anna", PASSWORD, "/probe-page?x=1")
        assert done.headers["location"] == "/probe-page?x=1"  # type: ignore[attr-defined]
        assert c.get("/probe-page").json() == {"name": "anna"}


def test_a_lower_role_is_refused(web_app: FastAPI, client_as: ClientAs) -> None:
    from fastapi import APIRouter, Depends

    from robot.web.deps import User, admin, creditor

    probe = APIRouter()

    @probe.get("/probe-creditor")
    def decide(user: User = Depends(creditor)) -> dict[str, str]:
        return {"name": user.name}

    @probe.get("/probe-admin")
    def manage(user: User = Depends(admin)) -> dict[str, str]:
        return {"name": user.name}

    web_app.include_router(probe)
    reader, clerk = client_as("viewer"), client_as("creditor")
    assert reader.get("/probe-creditor").status_code == 403
    assert reader.get("/probe-creditor", headers=HTML).status_code == 403
    assert clerk.get("/probe-creditor").json() == {"name": "creditor"}
    assert clerk.get("/probe-admin").status_code == 403


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
            assert _login_post(a, "anna", "wrong password!").status_code == 401
        assert _login_post(b, "anna", PASSWORD).status_code == 429


def test_a_login_forgets_old_sessions_and_attempts(people: Users, client: TestClient) -> None:
    from sqlalchemy import func, select

    from robot.store.schema import LoginAttemptRow, WebSessionRow

    long_ago = utcnow() - timedelta(days=8)
    with time_machine.travel(long_ago, tick=False):
        _login_post(client, "anna", "wrong password!")
        log_in(client, "anna")
    with people.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebSessionRow)) == 1
    log_in(client, "anna")  # a new browser's login, 8 days later
    with people.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebSessionRow)) == 1  # only the new one
        assert s.scalar(select(func.min(LoginAttemptRow.at))) > long_ago + timedelta(days=1)


def test_healthz_says_so_when_the_database_does_not_answer(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from robot.store.repo import Store
    from robot.web.app import create_app

    gone = Store(create_engine(f"sqlite:///{tmp_path}/no/such/folder/store.db"))
    with TestClient(create_app(None, gone), base_url=BASE_URL) as c:
        answer = c.get("/healthz")
    assert answer.status_code == 503 and answer.json() == {"ok": False, "database": False}
    gone.close()
