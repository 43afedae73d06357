"""The store on SQLite and PostgreSQL: migrations, receipts, exactly-once posting intent, UTC times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlalchemy import inspect

from connectors.base import IncomingDocument
from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]


def test_migrations_create_every_table_and_are_idempotent(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"runs", "documents", "invoices", "findings", "events", "postings", "notices"} <= tables
    Store(store.engine)  # opening again does not migrate twice
    from robot.store.db import migrate

    migrate(store.engine)


def test_a_document_is_stored_once_and_a_repeated_receipt_is_recognised(store: Store) -> None:
    doc = IncomingDocument("a.xml", "a.xml", b"<Invoice/>", {"customer": "SFE"})
    first = store.receive("folder", doc, None)
    again = store.receive("folder", doc, None)
    other = store.receive("folder", IncomingDocument("b.xml", "b.xml", b"<Invoice/>"), None)
    assert first.new and not again.new and again.invoice_id == first.invoice_id
    assert other.new and other.seen_bytes_before and other.sha256 == first.sha256
    row, document = store.document_of(first.invoice_id)
    assert document.content == b"<Invoice/>" and row.source_meta == {"customer": "SFE"}
    assert row.received_at.tzinfo is not None and row.state == InvoiceState.RECEIVED


def test_a_receipt_raced_by_another_worker_is_looked_at_again_three_times_in_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    from robot.store import receipts

    real, tries = receipts._receive_once, []

    def raced(*args: object, fail: int) -> receipts.Receipt:
        tries.append(1)
        if len(tries) <= fail:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return real(*args)  # type: ignore[arg-type]

    doc = IncomingDocument("a.xml", "a.xml", b"<Invoice/>")
    monkeypatch.setattr(receipts, "_receive_once", lambda *a: raced(*a, fail=2))
    assert store.receive("folder", doc, None).new and len(tries) == 3
    tries.clear()
    monkeypatch.setattr(receipts, "_receive_once", lambda *a: raced(*a, fail=3))
    with pytest.raises(IntegrityError):
        store.receive("folder", IncomingDocument("b.xml", "b.xml", b"<x/>"), None)
    assert len(tries) == 3


def test_claims_do_not_overlap_and_expired_leases_return(store: Store) -> None:
    for i in range(6):
        store.receive("folder", IncomingDocument(f"{i}.xml", f"{i}.xml", f"<x{i}/>".encode()), None)
    a = store.claim("host:1:1", 4, timedelta(minutes=5))
    b = store.claim("host:2:1", 4, timedelta(minutes=5))
    assert len(a) == 4 and len(b) == 2 and not set(a) & set(b)
    assert store.claim("host:3:1", 4, timedelta(minutes=5)) == []
    for i in range(6, 8):
        store.receive("folder", IncomingDocument(f"{i}.xml", f"{i}.xml", f"<x{i}/>".encode()), None)
    dead = store.claim("host:4:1", 4, timedelta(seconds=-1))  # a worker whose lease has already run out
    assert len(dead) == 2
    assert store.claim("host:5:1", 4, timedelta(minutes=5)) == dead  # back in the pool


def test_naive_datetimes_are_refused(store: Store) -> None:
    from robot.store.schema import Run

    with pytest.raises(Exception, match="naive datetime"), store.sessions.begin() as s:
        s.add(Run(started_at=datetime(2026, 1, 1)))
        s.flush()
    assert datetime.now(UTC).tzinfo is UTC


def test_a_whole_run_over_the_samples(store: Store) -> None:
    source = MemorySource()
    for entry in MANIFEST:
        path = SAMPLES / "inbox" / entry["file"]
        meta = path.with_name(path.name + ".meta.json")
        source.add(
            entry["file"], path.read_bytes(), json.loads(meta.read_text("utf-8")) if meta.exists() else {}
        )
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    templates = TemplateSet.load([SAMPLES / "pdf-templates"])
    ledger = MemoryLedger()
    robot = Robot(
        store, master, source=source, ledger=ledger, notifier=MemoryNotifier(), pdf_templates=templates
    )
    summary = robot.run(RunOptions())
    verdicts = [e["verdict"] for e in MANIFEST]
    assert summary.status == "ok"
    assert (summary.counts["posted"], summary.counts["returned"], summary.counts["held"]) == (
        verdicts.count("post"),
        verdicts.count("return"),
        verdicts.count("hold"),
    )
    assert len(ledger.posted) == verdicts.count("post")
    again = robot.run(RunOptions())
    assert again.counts["processed"] == 0 and len(ledger.posted) == verdicts.count("post")
