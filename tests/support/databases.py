"""Which database a test's store is on, for fixtures parametrised over both the store supports."""

from __future__ import annotations

from pathlib import Path

import pytest

BOTH = ["sqlite", "postgresql"]
"""The params of such a fixture: ``@pytest.fixture(params=BOTH)``."""


def database_url(request: pytest.FixtureRequest, tmp_path: Path, name: str = "store.db") -> str:
    """The URL for a fixture's param: the SQLite file ``name`` in ``tmp_path``, or a fresh
    PostgreSQL schema (``pg_fresh_url`` of tests/conftest.py, which skips where there is none)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/{name}"
    return str(request.getfixturevalue("pg_fresh_url"))
