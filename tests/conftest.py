"""Shared fixtures: the third-party corpora (skipped when absent), PostgreSQL (skipped outside CI)
and a store on both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from connectors.testing.fakes import MemorySource
    from robot.store.repo import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPORA = ROOT.parent / "shared" / "corpora"
ORACLE = ROOT.parent / "shared" / "tools" / "schematron_oracle.py"
PG_URL = os.environ.get("FAKTURAROBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def sample_source() -> MemorySource:
    """An in-memory source holding every document of ``samples/manifest.yaml``, each with its
    purchase-system metadata (the ``.meta.json`` beside it) when it has one."""
    import json

    import yaml

    from connectors.testing.fakes import MemorySource

    source = MemorySource()
    for entry in yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]:
        path = SAMPLES / "inbox" / entry["file"]
        meta_path = path.with_name(path.name + ".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        source.add(entry["file"], path.read_bytes(), meta)
    return source


def corpora_path(*parts: str) -> Path:
    """A path inside ../shared/corpora, or skip the test with the reason."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party corpora not available: {path} is absent (needs ../shared beside the clone)")
    return path


_READ_FOR_REAL = frozenset({"test_ocr.py"})
"""Test files of OCR itself: their readings run every time, each test with an empty cache."""


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache folder for the session (``$FAKTURAROBOT_CACHE_DIR``, passed on to the reader
    child too): the sample scan is read by OCR once a session, not in every test that runs the
    robot over the sample inbox, and templates are validated once; nothing is written to ~/.cache."""
    from robot.pdftext.template_cache import CACHE_ENV

    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = before


@pytest.fixture(autouse=True)
def _own_cache_for_ocr_tests(request: pytest.FixtureRequest) -> None:
    if request.node.path.name in _READ_FOR_REAL:
        from robot.pdftext.template_cache import CACHE_ENV

        folder = request.getfixturevalue("tmp_path_factory").mktemp("cache")
        request.getfixturevalue("monkeypatch").setenv(CACHE_ENV, str(folder))


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


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on SQLite (``store.db`` in ``tmp_path``) and on PostgreSQL (a fresh
    schema), closed afterwards. A module with a ``store`` fixture of its own uses that one."""
    from robot.store.repo import Store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/store.db"
    else:
        url = request.getfixturevalue("pg_fresh_url")
    s = Store.open(url)
    yield s
    s.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test (``item.rep_call``), so a browser fixture can save a
    screenshot when the test failed (tests/support/browser.py)."""
    report: pytest.TestReport = yield
    setattr(item, f"rep_{report.when}", report)
    return report
