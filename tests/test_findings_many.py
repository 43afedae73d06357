"""A digest may name more returned invoices than one statement can bind (PostgreSQL 65,535
parameters, SQLite 32,766): their findings are read in bounded queries, and the run's notice step
does not fail on "too many SQL variables" (seen with a store of 250,000 returned invoices)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from robot.store import repo
from robot.store.repo import Store
from tests.support.databases import BOTH, database_url


@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return Store.open(database_url(request, tmp_path))


def test_the_findings_of_seventy_thousand_invoices_are_read(store: Store) -> None:
    try:
        assert store.findings_by_invoice(list(range(1, 70_001))) == {}
    finally:
        store.close()


def test_each_query_names_a_bounded_number_of_invoices(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo, "IDS_PER_QUERY", 4)
    sent: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: sent.append(str(args[2])))
    try:
        assert store.findings_by_invoice(list(range(1, 11))) == {}
        assert store.findings_by_invoice([]) == {}
    finally:
        store.close()
    selects = [q for q in sent if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3  # 4 + 4 + 2 ids
