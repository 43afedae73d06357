"""Shared fixtures: the third-party corpora (skipped when absent) and PostgreSQL (skipped outside CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPORA = ROOT.parent / "shared" / "corpora"
ORACLE = ROOT.parent / "shared" / "tools" / "schematron_oracle.py"
PG_URL = os.environ.get("FAKTURAROBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def corpora_path(*parts: str) -> Path:
    """A path inside ../shared/corpora, or skip the test with the reason."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party corpora not available: {path} is absent (needs ../shared beside the clone)")
    return path


@pytest.fixture(scope="session")
def corpora() -> Path:
    return corpora_path()


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3):
            return None
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """PostgreSQL at 127.0.0.1:5432/test. Required in CI; skipped elsewhere when no server answers."""
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI (127.0.0.1:5432, database test): {problem}")
        pytest.skip(f"no PostgreSQL server answers on 127.0.0.1:5432 (database test): {problem}")
    yield PG_URL


@pytest.fixture
def pg_fresh_url(pg_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema, dropped afterwards."""
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
