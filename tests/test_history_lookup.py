"""The store-backed duplicate history (robot.store.history.StoreHistory) finds what the in-memory
index of the same invoices finds, in the same order, on generated histories with the edge cases
the duplicate rules care about, and never loads the history: each invoice costs one query that
returns only the rows about it, a batch of invoices one query in all."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from classifiers.api import Context, PriorInvoice
from classifiers.keys import HistoryKey, canonical_invoice_number, normalise_invoice_number
from classifiers.lookups import HistoryIndex
from robot.model import Invoice
from robot.processing.context import MasterData
from robot.store.history import StoreHistory
from robot.store.repo import Store
from robot.store.schema import Document, InvoiceRow, InvoiceState, utcnow
from tests.support.duplicates import DUPLICATE_RULES, LOOK_ALIKE_NUMBERS, bare_invoice

SUPPLIERS = ("12345674", "87654321", "", "acme a/s")
NUMBERS = LOOK_ALIKE_NUMBERS
AMOUNTS = (Decimal("100.00"), Decimal("100"), Decimal("250.50"), Decimal("0"), None)
DATES = (date(2025, 1, 2), date(2025, 3, 1), date(2024, 3, 1), None)


def _supplier_of(supplier: str) -> str:
    return HistoryKey.of(bare_invoice(supplier, "1", None, None), None).supplier_key


@pytest.fixture(params=["sqlite", "postgresql"])
def history_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Store, list[PriorInvoice]]]:
    """A store with 400 generated invoices (decided or not, with or without the folded number), on
    SQLite and on PostgreSQL (whose questions are one statement of arrays)."""
    rng = random.Random(7)
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'history.db'}")
    else:
        store = Store.open(request.getfixturevalue("pg_fresh_url"))
    now = utcnow()
    docs: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    priors: list[PriorInvoice] = []
    shas = [hashlib.sha256(f"doc {n}".encode()).hexdigest() for n in range(300)]
    for n in range(1, 401):
        supplier = _supplier_of(rng.choice(SUPPLIERS))
        number = rng.choice(NUMBERS) if rng.random() < 0.7 else f"N-{rng.randrange(50)}"
        issued = rng.choice(DATES)
        payable = rng.choice(AMOUNTS)
        sha = shas[n - 1] if n <= 300 else rng.choice(shas)  # later receipts: the same bytes again
        state = rng.choice(
            [InvoiceState.POSTED] * 6 + [InvoiceState.HELD, InvoiceState.RECEIVED, InvoiceState.READ]
        )
        if n <= 300:
            docs.append({"id": n, "sha256": sha, "size": 1, "content": b"x", "filename": f"{n}.xml"})
        rows.append(
            {
                "id": n,
                "document_id": shas.index(sha) + 1,
                "source": "test",
                "source_ref": f"r{n}",
                "source_meta": {},
                "state": state,
                "invoice_number": number,
                "number_normalised": normalise_invoice_number(number),
                # one in five stored before migration 0013 folded the numbers
                "number_canonical": canonical_invoice_number(number) if rng.random() < 0.8 else None,
                "supplier_key": supplier,
                "issue_date": issued,
                "payable": payable,
                "received_at": now,
                "updated_at": now,
            }
        )
        if state not in (InvoiceState.RECEIVED, InvoiceState.READ):
            priors.append(PriorInvoice(n, supplier, number, issued, payable, sha))
    with store.sessions.begin() as s:
        s.execute(insert(Document), docs)
        s.execute(insert(InvoiceRow), rows)
    try:
        yield store, priors
    finally:
        store.close()


def _probes() -> list[tuple[Invoice, str, int | None]]:
    """Invoices to classify: every supplier x number x amount x date, some with stored bytes."""
    rng = random.Random(11)
    shas = [hashlib.sha256(f"doc {n}".encode()).hexdigest() for n in range(300)] + ["f" * 64]
    probes = []
    for supplier in SUPPLIERS:
        for number in (*NUMBERS, "N-3", "", None):
            for payable in AMOUNTS:
                issued = rng.choice(DATES)
                own = rng.choice([None, None, rng.randrange(1, 401)])  # the invoice itself is in the store
                probes.append((bare_invoice(supplier, number, issued, payable), rng.choice(shas), own))
    return probes


def _findings(
    invoice: Invoice, history: Any, sha: str, own: int | None, master: MasterData | None = None
) -> list[Any]:
    if master is not None:  # as a run asks: the master data's context prepares the lookup
        ctx = master.context(invoice, sha256=sha, invoice_id=own)
    else:
        ctx = Context(history=history, document_sha256=sha, invoice_id=own)
    result = DUPLICATE_RULES.classify(invoice, ctx)
    return [(f.code, f.found, f.found_da, f.message_en) for f in result.findings]


def test_the_store_finds_what_the_index_of_the_same_invoices_finds(
    history_store: tuple[Store, list[PriorInvoice]],
) -> None:
    store, priors = history_store
    memory = HistoryIndex(sorted(priors, key=lambda p: p.invoice_id))
    stored = StoreHistory.of(store)
    master = MasterData().with_history(stored)
    probes = _probes()
    differing = []
    found = 0
    for invoice, sha, own in probes:
        expected = _findings(invoice, memory, sha, own)
        got = _findings(invoice, None, sha, own, master)
        found += bool(expected)
        if got != expected:
            differing.append(
                (invoice.seller, invoice.number, invoice.totals.payable, invoice.issue_date, got, expected)
            )
    assert differing == []
    assert found > len(probes) // 3  # the generated history holds many duplicates and suspects
    codes = {f[0] for invoice, sha, own in probes for f in _findings(invoice, memory, sha, own)}
    assert codes == {"DUP-NUMBER", "DUP-DOCUMENT", "DUP-SUSPECT"}


def test_a_batch_asked_at_once_finds_what_each_asked_alone_finds(
    history_store: tuple[Store, list[PriorInvoice]],
) -> None:
    """A batch's questions in one query (prefetch), in chunks, the same invoice twice included:
    each invoice's findings are those the in-memory index gives it."""
    store, priors = history_store
    memory = HistoryIndex(sorted(priors, key=lambda p: p.invoice_id))
    stored = StoreHistory.of(store)
    master = MasterData().with_history(stored)
    probes = _probes()
    probes = probes + probes[:7]  # asked twice in one batch: each answer is used once
    keys = [HistoryKey.of(invoice, sha) for invoice, sha, _ in probes]
    stored.prefetch(keys)
    asked = stored.queries
    for invoice, sha, own in probes:
        assert _findings(invoice, None, sha, own, master) == _findings(invoice, memory, sha, own)
    assert asked == -(-len(set(keys)) // 200) and stored.queries == asked  # one per chunk, none after


def test_invoices_decided_in_the_run_count_as_in_the_index(
    history_store: tuple[Store, list[PriorInvoice]],
) -> None:
    """What the run adds (decided now, committed or not, or never stored as in a dry run) is seen,
    after the store's, in the order added, as the index grows; one added twice is counted once."""
    store, priors = history_store
    memory = HistoryIndex(sorted(priors, key=lambda p: p.invoice_id))
    stored = StoreHistory.of(store)
    master = MasterData().with_history(stored)
    added = [
        PriorInvoice(-1, "12345674", "F-0017", date(2025, 3, 1), Decimal("100.00"), "a" * 64),
        PriorInvoice(-2, "87654321", "INV-2025-0017", date(2025, 1, 2), Decimal("250.50"), "b" * 64),
        PriorInvoice(900, "acme a/s", "FO17", None, Decimal("100"), None),
    ]
    for prior in added:
        memory.add(prior)
        stored.add(prior)
    for invoice, sha, own in _probes():
        for digest in (sha, "a" * 64, "b" * 64):
            assert _findings(invoice, None, digest, own, master) == _findings(invoice, memory, digest, own)
    first = priors[0]  # already in the store, added again (a worker's catch-up): counted once
    stored.add(first)
    stored.add(first)
    assert [
        p.invoice_id for p in stored.by_number(first.supplier_key, normalise_invoice_number(first.number))
    ].count(first.invoice_id) == 1


def test_an_invoice_costs_one_query_that_returns_only_its_rows(tmp_path: Path) -> None:
    """5,000 earlier invoices of one supplier: classifying costs one query and a handful of rows."""
    store = Store.open(f"sqlite:///{tmp_path / 'big.db'}")
    try:
        now = utcnow()
        n = 5000
        with store.sessions.begin() as s:
            s.execute(
                insert(Document),
                [
                    {"id": i, "sha256": f"{i:064x}", "size": 1, "content": b"x", "filename": "f"}
                    for i in range(1, n + 1)
                ],
            )
            s.execute(
                insert(InvoiceRow),
                [
                    {
                        "id": i,
                        "document_id": i,
                        "source": "t",
                        "source_ref": str(i),
                        "source_meta": {},
                        "state": InvoiceState.POSTED,
                        "invoice_number": f"K-{i}",
                        "number_normalised": f"K-{i}",
                        "number_canonical": canonical_invoice_number(f"K-{i}"),
                        "supplier_key": "12345674",
                        "issue_date": date(2024, 1, 1) + timedelta(days=i % 700),
                        "payable": Decimal(1000 + i),
                        "received_at": now,
                        "updated_at": now,
                    }
                    for i in range(1, n + 1)
                ],
            )
        stored = StoreHistory.of(store)
        master = MasterData().with_history(stored)
        invoice = bare_invoice("12345674", "K-0042", date(2025, 6, 1), Decimal("1042"))
        found = _findings(invoice, None, f"{43:064x}", None, master)
        assert [f[0] for f in found] == ["DUP-DOCUMENT", "DUP-SUSPECT"]  # bytes of K-43; K-42 folded
        assert stored.queries == 1
        assert stored.rows_fetched <= 3  # K-42 (number and amount) and K-43 (bytes): never the 5,000

        # a batch: one query for all, then no query while each invoice is classified
        batch = [bare_invoice("12345674", f"K-{i}", date(2026, 1, 1), Decimal(i)) for i in range(6000, 6100)]
        stored.prefetch(HistoryKey.of(inv, None) for inv in batch)
        assert stored.queries == 2
        for inv in batch:
            assert _findings(inv, None, "", None, master) == []
        assert stored.queries == 2
        assert stored.rows_fetched <= 3 + 100  # the amounts 1000 + i: one stored invoice each, at most

        # a row whose number was stored before 0013 folded it: still found (folded here), alone
        with store.sessions.begin() as s:
            s.execute(update(InvoiceRow).where(InvoiceRow.id == 7).values(number_canonical=None))
        before = stored.rows_fetched
        found = _findings(bare_invoice("12345674", "K-007", date(2026, 1, 1), None), None, "", None, master)
        assert [f[0] for f in found] == ["DUP-SUSPECT"] and "K-7" in (found[0][1] or "")
        assert stored.rows_fetched - before == 1
    finally:
        store.close()


def test_another_workers_decision_is_seen_at_the_next_invoice(
    history_store: tuple[Store, list[PriorInvoice]],
) -> None:
    """Nothing is cached across invoices: a decision committed meanwhile (by another worker, under
    the locks on what it asks about) is found by the next invoice of that supplier."""
    store, _ = history_store
    master = MasterData().with_history(StoreHistory.of(store))
    invoice = bare_invoice("12345674", "ZZ-1", date(2025, 5, 5), Decimal("77.00"))
    assert _findings(invoice, None, "", None, master) == []
    with store.sessions.begin() as s:
        s.execute(
            insert(InvoiceRow),
            [
                {
                    "id": 1000,
                    "document_id": 1,
                    "source": "other-worker",
                    "source_ref": "z",
                    "source_meta": {},
                    "state": InvoiceState.POSTED,
                    "invoice_number": "ZZ-1",
                    "number_normalised": "ZZ-1",
                    "number_canonical": "ZZ1",
                    "supplier_key": "12345674",
                    "issue_date": date(2025, 5, 1),
                    "payable": Decimal("70.00"),
                    "received_at": utcnow(),
                    "updated_at": utcnow(),
                }
            ],
        )
    assert [f[0] for f in _findings(invoice, None, "", None, master)] == ["DUP-NUMBER"]
