"""Two workers on PostgreSQL: a duplicate is caught even when another worker decided the original.

Each worker loads the duplicate index when it starts; afterwards it catches up, per supplier and
under a cross-worker lock, on what the others decided before it classifies an invoice.
"""

from __future__ import annotations

import json

from connectors.base import IncomingDocument
from connectors.testing.fakes import MemoryLedger, MemoryNotifier
from robot.processing.context import MasterData
from robot.running.run import Robot
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES


def _doc(name: str) -> IncomingDocument:
    path = SAMPLES / "inbox" / name
    meta = json.loads(path.with_name(name + ".meta.json").read_text(encoding="utf-8"))
    return IncomingDocument(name, name, path.read_bytes(), meta)


def _worker(url: str, ledger: MemoryLedger, *, shared: bool) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    robot = Robot(Store.open(url), master, source=None, ledger=ledger, notifier=MemoryNotifier())
    robot.master.with_history(robot.actions.priors())  # loaded at start, before either decides
    robot.actions.shared_history = shared
    return robot


def _decide_pair(url: str, *, shared: bool) -> tuple[str, list[str], int]:
    ledger = MemoryLedger()
    a, b = _worker(url, ledger, shared=shared), _worker(url, ledger, shared=shared)
    run = a.store.start_run()
    original = a.store.receive("folder", _doc("0001-peppol-clean.xml"), run).invoice_id
    duplicate = a.store.receive("folder", _doc("0041-peppol-duplicate.xml"), run).invoice_id
    assert a.actions.process(original, run) is None
    b.actions.process(duplicate, run)
    row = b.store.invoice(duplicate)
    codes = [f.code for f in b.store.findings_of(duplicate)]
    a.close()
    b.close()
    return row.state, codes, len(ledger.posted)


def test_second_worker_returns_the_duplicate_the_first_one_posted(pg_fresh_url: str) -> None:
    state, codes, posted = _decide_pair(pg_fresh_url, shared=True)
    assert state == InvoiceState.RETURNED and "DUP-NUMBER" in codes
    assert posted == 1


def test_without_catching_up_the_duplicate_is_not_seen_by_the_rules(pg_fresh_url: str) -> None:
    """The control: the stale index alone misses it (only the ERP's idempotency key stops a 2nd post)."""
    state, codes, posted = _decide_pair(pg_fresh_url, shared=False)
    assert "DUP-NUMBER" not in codes
    assert posted == 1
    assert state != InvoiceState.RETURNED
