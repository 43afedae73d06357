"""The customer digests read the findings of all their returned invoices in one query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SAMPLES
from sqlalchemy import event

from classifiers.api import Finding
from connectors.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot import returns
from robot.context import MasterData
from robot.notices import ReturnedItem, build_digest
from robot.returns import blocking_findings, queue_digests
from robot.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'robot.db'}")
    yield s
    s.close()


def _robot(store: Store) -> Robot:
    source = MemorySource()
    for entry in MANIFEST:
        path = SAMPLES / "inbox" / entry["file"]
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        source.add(entry["file"], path.read_bytes(), meta)
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
