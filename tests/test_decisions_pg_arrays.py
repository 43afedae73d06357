"""Issue 17.1: on PostgreSQL a batch's decisions are written by one UPDATE from arrays per set of
columns (robot/store/decisions_sql.py); elsewhere by an executemany. Both must write the same thing:
the demo's whole inbox (clean, returned, held, unreadable, PDF) is decided on each, and every
invoice's decided columns are compared."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from robot.configuration.wiring import build_robot
from robot.running.run import RunOptions
from robot.store.schema import InvoiceRow
from tests.conftest import SAMPLES
from tests.support.bulk import write_config

pytestmark = pytest.mark.postgres

#: what a decision writes into the invoice row (ids, times and claims differ between the stores)
DECIDED = (
    "state verdict customer_id read_error format document_type invoice_number number_normalised "
    "number_canonical supplier_key supplier_name issue_date due_date payable currency error_types"
)
COLUMNS = DECIDED.split()


def _decided(url: str, folder: Path, statements: list[str] | None = None) -> dict[str, tuple[Any, ...]]:
    cfg = write_config(folder, database=url)
    shutil.copytree(SAMPLES / "inbox", folder / "inbox", dirs_exist_ok=True)
    robot, _ = build_robot(cfg, database_url=url)
    try:
        if statements is not None:
            listen = lambda *args: statements.append(str(args[2]))  # noqa: E731
            event.listen(robot.store.engine, "before_cursor_execute", listen)
        robot.run(RunOptions(batch=50))
        with robot.store.sessions() as s:
            rows = s.scalars(select(InvoiceRow)).all()
            return {r.source_ref: tuple(getattr(r, c) for c in COLUMNS) for r in rows}
    finally:
        robot.close()


def test_a_batch_decided_on_postgresql_writes_what_sqlite_writes(pg_fresh_url: str, tmp_path: Path) -> None:
    statements: list[str] = []
    on_pg = _decided(pg_fresh_url, tmp_path / "pg", statements)
    on_sqlite = _decided(f"sqlite:///{tmp_path / 'lite' / 'robot.db'}", tmp_path / "lite")
    assert len(on_pg) == len(on_sqlite) >= 60
    assert {r[0] for r in on_pg.values()} >= {"posted", "returned", "held"}  # every kind of decision
    assert on_pg == on_sqlite
    assert any("FROM unnest(" in q and q.lstrip().upper().startswith("UPDATE") for q in statements)
