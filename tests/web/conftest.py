"""Fixtures of the console's tests.

- ``web_store``: a migrated SQLite store in ``tmp_path`` holding one run over the demo samples
  (posted, returned and held invoices, a notice, findings). The run is made once per session and
  its folder (samples, inbox, ledger, outbox, store) copied for each test, so a test may decide,
  run and write without disturbing another. ``web_config`` is that copy's configuration.
- ``web_app``: ``create_app(web_config, web_store)`` (Secure cookies: the clients speak https).
- ``client_as(role, customer=None)``: a ``TestClient`` logged in through the real ``/login``
  as a new user of that role (name ``role`` or ``role-customer``; password :data:`PASSWORD`).
- ``anon``: a client without a session. ``csrf(client)``: the CSRF token of the client's session.
- ``log_in(client, name)`` logs a client in (or fails the test); ``login_post(client, name,
  password)`` sends the login form as a new browser would and returns the answer.
- Browser tests: ``browser`` (a headless Chromium per module, tests/support/browser.py), ``page``
  (a fresh recording page of it) and ``serve_console(config, store)`` (the console on a free port of
  127.0.0.1, its URL).

A module that wants the console over the empty ``store`` of tests/conftest.py (SQLite and
PostgreSQL) lives in empty_store/, whose conftest.py overrides ``web_store`` and ``web_config``.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

with warnings.catch_warnings():
    # Starlette's test client asks for httpx2; the httpx installed works the same for these tests
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.support.demoworld import ran_demo_world

if TYPE_CHECKING:
    from fastapi import FastAPI
    from playwright.sync_api import Browser, Page

    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store

PASSWORD = "a long test password 1"
BASE_URL = "https://testserver"  # https: the Secure session cookie is sent back
HTML = {"Accept": "text/html"}
ClientAs = Callable[..., TestClient]


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with samples/, schedules.yaml and var/demo/ after one run over the samples."""
    return ran_demo_world(tmp_path_factory.mktemp("web-demo"))


@pytest.fixture
def web_world(demo_world: Path, tmp_path: Path) -> Path:
    """This test's own copy of :func:`demo_world`."""
    shutil.copytree(demo_world, tmp_path / "world")
    return tmp_path / "world"


@pytest.fixture
def web_config(web_world: Path, monkeypatch: pytest.MonkeyPatch) -> LoadedConfig:
    from robot.configuration.settings import load_config

    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    return load_config(web_world / "samples" / "fakturarobot.yaml")


@pytest.fixture
def web_store(web_config: LoadedConfig) -> Iterator[Store]:
    from robot.store.repo import Store

    assert web_config.cfg.database is not None
    store = Store.open(web_config.cfg.database, existing=True, upgrade=True)
    yield store
    store.close()


@pytest.fixture
def web_app(web_config: LoadedConfig | None, web_store: Store) -> FastAPI:
    from robot.web.app import create_app

    return create_app(web_config, web_store)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Log ``client`` in through the login form (fails the test if the login is refused)."""
    page = client.get("/login", headers=HTML)
    assert page.status_code == 200, page.text
    token = client.cookies.get("fr_login_csrf")
    assert token
    done = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, f"login of {name} refused: {done.status_code} {done.text[:500]}"


def login_post(client: TestClient, name: str, password: str, next_url: str = "/") -> Any:
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
def anon(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def client_as(web_app: FastAPI, web_store: Store) -> Iterator[ClientAs]:
    from robot.store.users import Users

    clients: list[TestClient] = []
    users = Users(web_store.sessions)

    def make(role: str, customer: str | None = None, *, name: str | None = None) -> TestClient:
        name = name or (f"{role}-{customer}" if customer else role)
        if users.get(name) is None:
            users.add(name, role, PASSWORD, customer_id=customer)
        client = TestClient(web_app, base_url=BASE_URL)
        client.__enter__()
        clients.append(client)
        log_in(client, name)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def csrf(web_store: Store) -> Callable[[TestClient], str]:
    """The CSRF token of a logged-in client's session (as every form of the console carries it)."""
    from sqlalchemy import select

    from robot.store.schema import WebSessionRow
    from robot.store.users import token_hash

    def token(client: TestClient) -> str:
        cookie = client.cookies.get("fr_session")
        assert cookie, "the client has no session cookie"
        with web_store.sessions() as s:
            found = s.scalar(
                select(WebSessionRow.csrf_token).where(WebSessionRow.token_hash == token_hash(cookie))
            )
        assert found, "the client's session is not in the store"
        return found

    return token


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from tests.support.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context; every dialog is recorded (``page.dialogs``) and accepted."""
    from tests.support.browser import recording_page

    with recording_page(browser, request.node) as p:
        yield p


@contextmanager
def serve_console(config: LoadedConfig | None, store: Store) -> Iterator[str]:
    """The console over ``store`` served by uvicorn on a free port of 127.0.0.1 (plain http, so
    the session cookie is not Secure); its base URL."""
    from connectors.testing.localserver import serve
    from robot.web.app import create_app

    with serve(create_app(config, store, secure_cookies=False)) as base_url:
        yield base_url
