"""Recording a batch's postings (Completions.complete_postings) on SQLite and on PostgreSQL (one
statement there): only the invoices still claimed by the worker are written, each with its ERP
number, its posting row and one ``posted`` event; the others are returned as lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from robot.store.repo import Store
from robot.store.schema import Document, Event, InvoiceRow, InvoiceState, PostingRow, utcnow

WORKER, OTHER = "h:1:w1", "h:2:w2"


def _claimed(store: Store, n: int, claimed_by: str) -> None:
    now = utcnow()
    with store.sessions.begin() as s:
        s.execute(
            insert(Document), [{"id": n, "sha256": f"{n:064d}", "size": 1, "content": b"x", "filename": "f"}]
        )
        s.execute(
            insert(InvoiceRow),
            [
                {
                    "id": n,
                    "document_id": n,
                    "source": "test",
                    "source_ref": f"r{n}",
                    "source_meta": {},
                    "state": InvoiceState.CLASSIFIED,
                    "claimed_by": claimed_by,
                    "lease_until": now + timedelta(minutes=5),
                    "received_at": now,
                    "updated_at": now,
                }
            ],
        )
        s.execute(insert(PostingRow), [{"invoice_id": n, "idempotency_key": f"k{n}", "ledger": "journal"}])


def test_only_the_invoices_still_claimed_are_recorded_as_posted(store: Store) -> None:
    run_id = store.start_run("test")
    for n in (1, 2, 3):
        _claimed(store, n, WORKER if n != 2 else OTHER)  # 2 was taken over by another worker
    lost = store.complete_postings(
        [(1, "PI-1", False), (2, "PI-2", True), (3, "PI-3", True)], run_id, worker=WORKER
    )
    assert lost == {2}
    with store.sessions() as s:
        invoices = {r.id: r for r in s.scalars(select(InvoiceRow))}
        postings = {r.invoice_id: r for r in s.scalars(select(PostingRow))}
        events = [
            (e.invoice_id, e.kind, e.detail, e.run_id)
            for e in s.scalars(select(Event).where(Event.kind == "posted").order_by(Event.invoice_id))
        ]
    assert [(invoices[n].state, invoices[n].erp_document_no, invoices[n].claimed_by) for n in (1, 2, 3)] == [
        (InvoiceState.POSTED, "PI-1", None),
        (InvoiceState.CLASSIFIED, None, OTHER),
        (InvoiceState.POSTED, "PI-3", None),
    ]
    assert (
        invoices[1].outcome_pending and invoices[1].last_run_id == run_id and invoices[1].lease_until is None
    )
    assert [(postings[n].state, postings[n].erp_document_no) for n in (1, 2, 3)] == [
        ("posted", "PI-1"),
        ("pending", None),
        ("posted", "PI-3"),
    ]
    assert postings[1].posted_at is not None and postings[2].posted_at is None
    assert events == [
        (1, "posted", {"erp_document_no": "PI-1", "found_existing": False}, run_id),
        (3, "posted", {"erp_document_no": "PI-3", "found_existing": True}, run_id),
    ]


def test_without_a_worker_every_invoice_is_recorded(store: Store) -> None:
    run_id = store.start_run("test")
    _claimed(store, 1, OTHER)
    assert store.complete_postings([(1, "PI-9", True)], run_id, worker=None) == set()
    with store.sessions() as s:
        assert s.get_one(InvoiceRow, 1).erp_document_no == "PI-9"
    assert store.complete_postings([], run_id, worker=WORKER) == set()
