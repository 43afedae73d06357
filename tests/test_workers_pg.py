"""Several worker processes on real PostgreSQL: every invoice exactly once, even when one dies.

Needs PostgreSQL at 127.0.0.1:5432 (required in CI; skipped elsewhere when none answers).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from robot.configuration.wiring import build_robot
from robot.errors import ConfigError
from robot.running.run import RunOptions
from robot.running.run_report import RunSummary
from robot.running.worker import WorkerPool, WorkerSpec, check_workers, run_pool
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, InvoiceState, PostingRow
from tests.support.bulk import make_inbox, write_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _journal(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "ledger.jsonl").read_text().splitlines() if line.strip()]


def _assert_exactly_once(store: Store, folder: Path, count: int) -> None:
    journal = _journal(folder)
    keys = Counter(r["idempotency_key"] for r in journal)
    assert len(journal) == count, f"{len(journal)} ledger lines for {count} clean invoices"
    assert [k for k, n in keys.items() if n > 1] == []
    assert len({r["number"] for r in journal}) == count  # ERP numbers unique and consecutive
    assert sorted(int(r["number"].removeprefix("PI-")) for r in journal) == list(range(1, count + 1))
    with store.sessions() as s:
        states = dict(s.execute(select(InvoiceRow.state, func.count()).group_by(InvoiceRow.state)).all())
        assert states == {InvoiceState.POSTED: count}
        postings = s.execute(select(PostingRow.idempotency_key, PostingRow.state)).all()
        assert len(postings) == count and {p.state for p in postings} == {"posted"}
        assert {p.idempotency_key for p in postings} == set(keys)
        posted_events = Counter(s.scalars(select(Event.invoice_id).where(Event.kind == "posted")))
        assert len(posted_events) == count and set(posted_events.values()) == {1}


def _run(cfg: Path, url: str, pool: WorkerPool, **opts: Any) -> RunSummary:
    robot, _ = build_robot(cfg, database_url=url)
    try:
        return robot.run(RunOptions(trigger="worker", processor=pool, **opts))
    finally:
        robot.store.close()


@pytest.mark.timeout(150)
def test_four_workers_share_2000_invoices_exactly_once(pg_fresh_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, database=pg_fresh_url)
    make_inbox(tmp_path / "inbox", 2000)
    pool = WorkerPool(WorkerSpec(cfg, database_url=pg_fresh_url), workers=4)
    summary = _run(cfg, pg_fresh_url, pool, batch=20)
    assert summary.status == "ok", summary.problems[:5]
    assert summary.counts["posted"] == 2000 and summary.counts["pending"] == 0
    assert len(pool.results) == 4
    assert sum(r.processed for r in pool.results) == 2000  # no invoice tried by two workers
    assert all(r.processed > 0 for r in pool.results), [r.processed for r in pool.results]
    store = Store.open(pg_fresh_url)
    try:
        _assert_exactly_once(store, tmp_path, 2000)
        with store.sessions() as s:  # each invoice read and classified once, not once per worker
            for kind in ("read", "classified"):
                per = Counter(s.scalars(select(Event.invoice_id).where(Event.kind == kind)))
                assert len(per) == 2000 and set(per.values()) == {1}, kind
    finally:
        store.close()


@pytest.mark.timeout(150)
def test_killed_worker_invoices_are_taken_over_after_the_lease(pg_fresh_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, database=pg_fresh_url)
    make_inbox(tmp_path / "inbox", 400)
    pool = WorkerPool(WorkerSpec(cfg, database_url=pg_fresh_url, poll_seconds=0.2), workers=3)
    store = Store.open(pg_fresh_url)  # migrated before the run starts
    done: list[RunSummary] = []
    runner = threading.Thread(
        target=lambda: done.append(_run(cfg, pg_fresh_url, pool, batch=10, lease=timedelta(seconds=2)))
    )
    runner.start()
    try:
        assert pool.started.wait(60)
        victim = pool.processes[0]
        deadline = time.monotonic() + 60
        held = 0
        while held == 0 and time.monotonic() < deadline:  # wait until the victim holds a batch
            with store.sessions() as s:
                held = (
                    s.scalar(
                        select(func.count()).where(
                            InvoiceRow.claimed_by.like("%:w0"), InvoiceRow.state.in_(InvoiceState.PENDING)
                        )
                    )
                    or 0
                )
            time.sleep(0.01)
        assert held, "the first worker never claimed anything"
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        with store.sessions() as s:  # what the dead worker still held, and until when
            orphans = dict(
                s.execute(
                    select(InvoiceRow.id, InvoiceRow.lease_until).where(
                        InvoiceRow.claimed_by.like("%:w0"), InvoiceRow.state.in_(InvoiceState.PENDING)
                    )
                ).all()
            )
        runner.join(120)
        assert not runner.is_alive()
        summary = done[0]
        assert victim.exitcode == -signal.SIGKILL
        assert any("exit code -9" in p for p in summary.problems)
        assert summary.counts["pending"] == 0
        _assert_exactly_once(store, tmp_path, 400)
        assert orphans, "the kill landed between batches; nothing to take over"
        with store.sessions() as s:
            finished = dict(
                s.execute(
                    select(Event.invoice_id, func.max(Event.at))
                    .where(Event.invoice_id.in_(list(orphans)), Event.kind == "posted")
                    .group_by(Event.invoice_id)
                ).all()
            )
        assert set(finished) == set(orphans)
        late = [i for i, lease in orphans.items() if lease is not None and finished[i] < lease]
        assert late == [], "an orphan was finished before the dead worker's lease expired"
    finally:
        store.close()


def test_sqlite_refuses_several_workers(tmp_path: Path) -> None:
    check_workers("sqlite", 1)
    check_workers("postgresql", 8)
    with pytest.raises(ConfigError, match=r"SQLite allows one worker \(asked for 2\).*PostgreSQL"):
        check_workers("sqlite", 2)
    cfg = write_config(tmp_path)
    with pytest.raises(ConfigError, match="SQLite allows one worker"):
        run_pool(WorkerSpec(cfg), workers=3)
