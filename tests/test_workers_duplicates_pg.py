"""Two workers on PostgreSQL: a duplicate is caught even when another worker decided the original.

With the duplicate index loaded when a worker starts, it catches up, per supplier and under a
cross-worker lock, on what the others decided before it classifies an invoice. With the store's
history (what a run uses), two workers deciding an invoice and its duplicate at the same moment
take turns on the locks of what the rules ask about, so the second sees the first's decision.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from connectors.base import IncomingDocument
from connectors.testing.fakes import MemoryLedger, MemoryNotifier
from robot.processing.batch import Decided, decide_batch
from robot.processing.context import MasterData
from robot.running.run import Robot
from robot.store.history import StoreHistory
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


def _racing_pair(url: str) -> tuple[Decided | Exception, Decided | Exception, bool]:
    """Two store-history workers decide an invoice and its duplicate at once: the first waits inside
    its deciding transaction (up to 1.5 s) for the second to have decided. Returns both decisions
    and whether the second decided while the first's transaction was still open."""
    ledger = MemoryLedger()
    robots = [_worker(url, ledger, shared=True) for _ in range(2)]
    for robot in robots:
        robot.master.with_history(StoreHistory.of(robot.store))
    a, b = robots
    run = a.store.start_run()
    a.store.receive("folder", _doc("0001-peppol-clean.xml"), run)
    a.store.receive("folder", _doc("0041-peppol-duplicate.xml"), run)
    inside, b_decided = threading.Event(), threading.Event()
    overlapped: list[bool] = []

    def a_apply(tx: Any, run_id: int, outcomes: Any, **kwargs: Any) -> None:
        inside.set()
        overlapped.append(b_decided.wait(1.5))  # locked out, the second cannot decide meanwhile
        Store.apply_many(a.store, tx, run_id, outcomes, **kwargs)

    def b_apply(tx: Any, run_id: int, outcomes: Any, **kwargs: Any) -> None:
        Store.apply_many(b.store, tx, run_id, outcomes, **kwargs)
        b_decided.set()

    a.store.apply_many, b.store.apply_many = a_apply, b_apply  # type: ignore[method-assign]
    decided: dict[str, Decided | Exception] = {}

    def decide(name: str, robot: Robot) -> None:
        ids = robot.store.claim(name, 1, timedelta(minutes=5))
        items = robot.store.documents_of(ids)
        try:
            decided[name] = decide_batch(robot.actions, items, run, worker=name, lease=timedelta(minutes=5))
        except Exception as exc:  # the transaction failed as a whole
            decided[name] = exc

    first = threading.Thread(target=decide, args=("w1", a))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=decide, args=("w2", b))
    second.start()
    first.join(20)
    second.join(20)
    for robot in robots:
        robot.close()
    return decided["w1"], decided["w2"], overlapped[0]


def test_two_workers_deciding_an_invoice_and_its_duplicate_at_once_post_one(pg_fresh_url: str) -> None:
    first, second, overlapped = _racing_pair(pg_fresh_url)
    assert not overlapped  # the second waited for the first's commit
    assert isinstance(first, Decided) and isinstance(second, Decided)
    assert len(first.postings) == 1 and not first.final
    assert not second.postings and len(second.final) == 1  # returned as DUP-NUMBER


def test_without_the_locks_the_rules_miss_the_duplicate(
    pg_fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: deciding side by side, the second asks the history before the first commits and
    decides to post the duplicate; only the unique idempotency key of the posting intents then
    refuses the first's transaction."""
    monkeypatch.setattr("robot.processing.actions.Actions.serialised_on", lambda self, key: [])
    first, second, overlapped = _racing_pair(pg_fresh_url)
    assert overlapped
    assert isinstance(second, Decided) and len(second.postings) == 1
    assert isinstance(first, IntegrityError) and "idempotency_key" in str(first)
