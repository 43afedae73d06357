"""The rules every route of the console obeys, whichever module added it: no session, no answer
(but the public few); no CSRF token, no POST; a lower role, 403; and the headers on every response.

Over the empty ``store`` of tests/conftest.py (SQLite and PostgreSQL), no configuration.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from robot.store.users import Users
from tests.web.conftest import BASE_URL, HTML, PASSWORD, ClientAs, login_post

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
    """Tried as a user of every role: each POST refuses (403) without or with a forged token, and
    for at least one role the refusal is the CSRF check's (another role may be refused for its role
    first; a route without the check would answer the role it lets in with something else)."""
    from robot.store.users import ROLES

    posts = [
        p for m, p in _routes(web_app) if m in ("POST", "PUT", "PATCH", "DELETE") and (m, p) not in PUBLIC
    ]
    assert "/logout" in posts
    people = {role: client_as(role, "5798000000001" if role == "customer" else None) for role in ROLES}
    for path in posts:
        csrf_refusals = 0
        for role, person in people.items():
            for sent in ({}, {"csrf_token": "forged-token-value"}):
                refused = person.post(_concrete(path), data=sent, follow_redirects=False)
                assert refused.status_code == 403, (
                    f"POST {path} as {role}, {sent or 'no token'}: {refused.status_code}"
                )
                csrf_refusals += "CSRF" in refused.text
            forged = person.post(_concrete(path), headers={"X-CSRF-Token": "forged"}, follow_redirects=False)
            assert forged.status_code == 403, (
                f"POST {path} as {role} with a forged header: {forged.status_code}"
            )
        assert csrf_refusals, f"POST {path}: refused for every role, never by the CSRF check"
    for person in people.values():
        assert (
            person.get("/login", headers=HTML, follow_redirects=False).status_code == 303
        )  # still logged in


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
        done = login_post(c, "anna", PASSWORD, "/probe-page?x=1")
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


def test_healthz_says_so_when_the_database_does_not_answer(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from robot.store.repo import Store
    from robot.web.app import create_app

    gone = Store(create_engine(f"sqlite:///{tmp_path}/no/such/folder/store.db"))
    with TestClient(create_app(None, gone), base_url=BASE_URL) as c:
        answer = c.get("/healthz")
    assert answer.status_code == 503 and answer.json() == {"ok": False, "database": False}
    gone.close()


def test_https_only_with_secure_cookies(web_store: Store, client: TestClient) -> None:
    from robot.web.app import create_app

    assert client.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(create_app(None, web_store, secure_cookies=False)) as plain:
        assert "strict-transport-security" not in plain.get("/healthz").headers


def test_an_error_page_keeps_a_logged_in_persons_menu(client_as: ClientAs) -> None:
    page = client_as("viewer").get("/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert 'action="/logout"' in page.text
