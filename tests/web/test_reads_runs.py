"""The *Runs* pages' reads, over real runs of the samples on SQLite and PostgreSQL with an ERP that
fails the first postings (a message carrying markup, then unreachable), checked against the store
read another way. The pages: tests/web/test_runs_pages.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, select

from connectors.testing.fakes import MemoryLedger
from robot.running.run import RunOptions
from robot.store.repo import Store
from robot.store.schema import Event
from robot.web.reads import runs as reads
from tests.conftest import ROOT, sample_source
from tests.web.runs_world import HOSTILE, HostileLedger
from tests.web.runs_world import robot_of as _robot

NOT_RUN_FAILURES = {"payment-failed"}


@pytest.fixture
def failed_run(store: Store) -> int:
    """A run over the samples whose first two postings fail with markup, the third ERP unreachable."""
    summary = _robot(store, sample_source(), HostileLedger(2, fail_on=(1,))).run(RunOptions())
    assert summary.status == "partial"
    return summary.run_id


def test_the_history_pages_by_run_id(store: Store) -> None:
    ids = [_robot(store, None, MemoryLedger()).run(RunOptions(trigger=t)).run_id for t in ("a", "b", "c")]
    first = reads.runs_page(store, limit=2)
    assert [r.id for r in first.runs] == ids[:0:-1] and first.next_before == ids[1]
    second = reads.runs_page(store, before=first.next_before, limit=2)
    assert [r.id for r in second.runs] == [ids[0]] and second.next_before is None
    stored = {r.id: r for r in store.recent_runs(10)}
    for line in first.runs + second.runs:
        run = stored[line.id]
        assert (line.status, line.trigger, line.counts, line.started_at) == (
            run.status,
            run.trigger,
            run.counts,
            run.started_at,
        )
        assert line.seconds == (run.finished_at - run.started_at).total_seconds()  # type: ignore[operator]


def test_a_runs_invoices_page_through_all_of_them(store: Store, failed_run: int) -> None:
    expected = store.invoices_of_run(failed_run)
    seen, after, pages = [], None, 0
    while True:
        page = reads.run_invoices(store, failed_run, after=after, limit=7)
        seen += page.invoices
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert [i.id for i in seen] == [r.id for r in expected] and pages == -(-len(expected) // 7)
    for line, row in zip(seen, expected, strict=True):
        assert (line.state, line.verdict, line.customer_id, line.payable) == (
            row.state,
            row.verdict,
            row.customer_id,
            row.payable,
        )
        assert ",".join(line.error_types) == (row.error_types or "")
    customer = expected[0].customer_id
    assert customer is not None
    mine = reads.run_invoices(store, failed_run, customer=customer, limit=1000).invoices
    assert [i.id for i in mine] == [r.id for r in expected if r.customer_id == customer]
    assert 0 < len(mine) < len(expected)


def test_a_runs_failures_are_its_failure_events_with_their_messages(store: Store, failed_run: int) -> None:
    with store.sessions() as s:
        events = list(s.scalars(select(Event).where(Event.run_id == failed_run).order_by(Event.id)))
    expected = [e for e in events if e.kind.endswith("-failed") or e.kind in reads.FAILURE_KINDS]
    assert [e.kind for e in expected].count("process-failed") == 2
    assert [e.kind for e in expected].count("erp-unreachable") == 1
    seen, after = [], None
    while True:
        page = reads.run_failures(store, failed_run, after=after, limit=1)
        assert page.total == len(expected)
        seen += page.failures
        if page.next_after is None:
            break
        after = page.next_after
    assert [(f.event_id, f.kind, f.invoice_id) for f in seen] == [
        (e.id, e.kind, e.invoice_id) for e in expected
    ]
    process = [f for f in seen if f.kind == "process-failed"]
    assert all(f.message == f"RuntimeError: {HOSTILE}" for f in process)
    [erp] = [f for f in seen if f.kind == "erp-unreachable"]
    assert "memory ledger unavailable" in erp.message
    # a customer's user sees the failures of that customer's invoices only
    customers = {r.id: r.customer_id for r in store.invoices_of_run(failed_run)}
    customer = customers[seen[0].invoice_id or 0]
    assert customer is not None
    mine = reads.run_failures(store, failed_run, customer=customer)
    assert [f.event_id for f in mine.failures] == [
        f.event_id for f in seen if customers.get(f.invoice_id or 0) == customer
    ]
    assert mine.total == len(mine.failures) > 0


def test_every_failure_event_the_robot_records_is_a_failure_kind() -> None:
    """Kinds written as literals (``"fetch-failed"``) and by ``step_failed(..., "process", ...)``."""
    kinds: set[str] = set()
    for path in (ROOT / "robot").rglob("*.py"):
        if "web" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'"([a-z]+(?:-[a-z]+)*-(?:failed|refused))"', text))
        kinds |= {
            f"{step}-failed" for step in re.findall(r'step_failed\(\s*[^,]+,\s*[^,]+,\s*"([a-z-]+)"', text)
        }
    assert "process-failed" in kinds and "fetch-failed" in kinds
    # the bank reporting a payment that bounced is where the invoice stands
    # (robot.processing.customer_state), not something that went wrong in a run
    kinds -= NOT_RUN_FAILURES
    assert kinds <= set(reads.FAILURE_KINDS), kinds - set(reads.FAILURE_KINDS)


def test_the_reads_are_bounded(store: Store, failed_run: int) -> None:
    """Every row-returning query of the run pages has a LIMIT (counts are aggregates)."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        reads.runs_page(store)
        reads.run_invoices(store, failed_run, customer="X")
        reads.run_failures(store, failed_run, customer="X")
        reads.run_failures(store, failed_run)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    selects = [s for s in statements if s.upper().startswith("SELECT")]
    assert len(selects) == 6
    assert all(" LIMIT " in s.upper() or s.upper().startswith("SELECT COUNT(") for s in selects), selects
