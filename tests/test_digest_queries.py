"""The customer digests read the findings of all their returned invoices in one query."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from classifiers.api import Finding
from connectors.testing.fakes import MemoryLedger, MemoryNotifier
from robot.processing import returns
from robot.processing.context import MasterData
from robot.processing.notices import ReturnedItem, build_digest
from robot.processing.returns import blocking_findings, queue_digests
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES, sample_source


def _robot(store: Store) -> Robot:
    source = sample_source()
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    return Robot(store, master, source=source, ledger=MemoryLedger(), notifier=MemoryNotifier())


def test_queueing_the_digests_reads_the_findings_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    robot = _robot(store)
    monkeypatch.setattr(Robot, "notify", lambda self, run_id: [])  # the digests wait for this test
    summary = robot.run(RunOptions())
    returned = [r for r in robot.outbox.returned_without_notice() if r.state == InvoiceState.RETURNED]
    assert len(returned) >= 3  # the samples return several invoices, so "once per invoice" would show
    expected = {r.id: blocking_findings(store, r.id) for r in returned}

    digested: dict[int, tuple[Finding, ...]] = {}

    def capture(customer: Any, run: str, items: list[ReturnedItem], **kwargs: Any) -> Any:
        digested.update({item.invoice_id: item.findings for item in items})
        return build_digest(customer, run, items, **kwargs)

    monkeypatch.setattr(returns, "build_digest", capture)
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM findings" in statement:
            reads.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        queue_digests(store, robot.master, robot.outbox, summary.run_id)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(reads) == 1
    # each digest quotes the findings that stopped the invoice, as read one invoice at a time
    customers = robot.master.by_id
    notified = {r.id for r in returned if (c := customers.get(r.customer_id or "")) is not None and c.notify}
    assert len(notified) >= 3
    assert set(digested) == notified
    assert all(digested[i] == tuple(expected[i]) and digested[i] for i in notified)
