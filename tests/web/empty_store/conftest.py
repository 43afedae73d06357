"""The console over the empty ``store`` of tests/conftest.py (SQLite and PostgreSQL) and no
configuration (the defaults of ``web:``), instead of the demo world of tests/web/conftest.py.

- ``web_store``: the empty ``store``; ``web_config``: None.
- ``people``: the users of that store, with ``anna`` (creditor, password :data:`PASSWORD`).
- ``client``: a ``TestClient`` of the console without a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from robot.store.users import Users
from tests.web.conftest import BASE_URL, PASSWORD

if TYPE_CHECKING:
    from fastapi import FastAPI

    from robot.store.repo import Store


@pytest.fixture
def web_store(store: Store) -> Store:
    return store


@pytest.fixture
def web_config() -> None:
    return None


@pytest.fixture
def people(web_store: Store) -> Users:
    users = Users(web_store.sessions)
    users.add("anna", "creditor", PASSWORD)
    return users


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url=BASE_URL) as c:
        yield c
