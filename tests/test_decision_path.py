"""One decision path: the first pass and a resumed invoice record one journey; error types filter exactly.

A new invoice is read, classified and decided in one transaction; an invoice whose store stopped
after ``read`` (an older version's step, or a crash between steps of one) is resumed. Both must end
with the same events, findings, verdict and error types, for every sample. ``held --error-type``
looks a code up exactly (``invoice_error_types``), never as a part or a pattern of the comma text;
migration 0005 fills that table from the comma text of an existing store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import insert, select, text, update

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.model import DocumentType, Invoice
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.processing.outcome import read_step
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import Event, FindingRow, InvoiceRow, InvoiceState
from tests.conftest import SAMPLES
from tests.support.databases import BOTH, database_url

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
#: The columns reading sets (the robot's own read step, of any invoice).
READ_COLUMNS = tuple(read_step(Invoice(format="cii", document_type=DocumentType.INVOICE), None)[0])
#: What may differ between two stores: ids, times and the runs they were recorded in.
_FINDING_IDS = {"id", "invoice_id"}


def _source() -> MemorySource:
    source = MemorySource()
    for entry in MANIFEST:
        path = SAMPLES / "inbox" / entry["file"]
        meta_path = path.with_name(path.name + ".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        source.add(entry["file"], path.read_bytes(), meta)
    return source


def _robot(db: Path) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    return Robot(
        Store.open(f"sqlite:///{db}"),
        master,
        source=_source(),
        ledger=MemoryLedger(),
        notifier=MemoryNotifier(),
        pdf_templates=TemplateSet.load([SAMPLES / "pdf-templates"]),
    )


def _journeys(store: Store) -> dict[str, dict[str, Any]]:
    """Per sample: the invoice's decision, its findings and its events (kind and detail, in order)."""
    out: dict[str, dict[str, Any]] = {}
    with store.sessions() as s:
        for row in s.scalars(select(InvoiceRow).order_by(InvoiceRow.id)):
            events = s.scalars(select(Event).where(Event.invoice_id == row.id).order_by(Event.id))
            findings = s.scalars(
                select(FindingRow).where(FindingRow.invoice_id == row.id).order_by(FindingRow.id)
            )
            out[row.source_ref] = {
                "state": row.state,
                "verdict": row.verdict,
                "customer": row.customer_id,
                "error_types": row.error_types,
                "erp": row.erp_document_no,
                "response": row.invoice_response is not None,
                "events": [(e.kind, e.detail) for e in events],
                "findings": [
                    {k: v for k, v in vars(f).items() if not k.startswith("_") and k not in _FINDING_IDS}
                    for f in findings
                ],
            }
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], dict[str, Any], Store]]:
    """The samples decided on their first pass (A), and resumed from a store stopped after ``read`` (B).

    B's ``read`` step is what A recorded when it read each document (its columns and its event), as
    a store that stopped right after reading would hold it; B's run then resumes every invoice.
    """
    work = tmp_path_factory.mktemp("paths")
    first, resumed = _robot(work / "first.db"), _robot(work / "resumed.db")
    assert first.run(RunOptions()).status == "ok"
    resumed.fetch(resumed.store.start_run())
    with first.store.sessions() as a, resumed.store.sessions.begin() as b:
        read_events = {e.invoice_id: e.detail for e in a.scalars(select(Event).where(Event.kind == "read"))}
        by_ref = {r.source_ref: r.id for r in b.scalars(select(InvoiceRow))}
        for row in a.scalars(select(InvoiceRow)):
            values = {name: getattr(row, name) for name in READ_COLUMNS}
            target = by_ref[row.source_ref]
            b.execute(
                update(InvoiceRow).where(InvoiceRow.id == target).values(state=InvoiceState.READ, **values)
            )
            b.execute(
                insert(Event),
                [{"invoice_id": target, "run_id": None, "kind": "read", "detail": read_events[row.id]}],
            )
    assert resumed.store.count_by_state() == {InvoiceState.READ: len(MANIFEST)}
    assert resumed.run(RunOptions()).status == "ok"
    try:
        yield _journeys(first.store), _journeys(resumed.store), first.store
    finally:
        first.close()
        resumed.close()


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_the_first_pass_and_the_resume_after_read_record_the_same(
    both: tuple[dict[str, Any], dict[str, Any], Store], entry: dict[str, Any]
) -> None:
    first, resumed, _ = both
    a, b = first[entry["file"]], resumed[entry["file"]]
    assert a["events"] == b["events"], entry["file"]
    assert a["findings"] == b["findings"], entry["file"]
    assert {k: v for k, v in a.items() if k not in ("events", "findings")} == {
        k: v for k, v in b.items() if k not in ("events", "findings")
    }


def test_the_error_type_filter_is_exact(both: tuple[dict[str, Any], dict[str, Any], Store]) -> None:
    """A code matches only itself: not a part of another code, not as a LIKE pattern (``_``, ``%``)."""
    _, _, store = both
    held = store.held()
    codes = {c for r in held for c in (r.error_types or "").split(",") if c}
    assert {"OTH", "UNR"} <= codes, codes
    for code in codes:
        expected = [r.id for r in held if code in (r.error_types or "").split(",")]
        assert [r.id for r in store.held(error_type=code)] == expected, code
        assert [r.id for r in store.held(error_type=code.lower())] == expected, code
    for part in ("OT", "TH", "UN", "NR", "O", "H,U", ","):  # parts of a code, or of the comma text
        assert store.held(error_type=part) == [], part
    for pattern in ("%", "O_H", "_NR", "OT%"):  # the characters a LIKE would take for wildcards
        assert store.held(error_type=pattern) == [], pattern


@pytest.fixture(params=BOTH)
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(request, tmp_path, "old.db")


def test_migration_0005_fills_the_error_types_from_a_store_at_0004(old_url: str) -> None:
    from alembic import command

    from robot.store.db import alembic_config, create, migrate

    engine = create(old_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(old_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
            conn.execute(
                text(
                    "INSERT INTO documents (id, sha256, size, content, filename, first_seen_at) "
                    "VALUES (1, :sha, 1, :content, 'a.xml', CURRENT_TIMESTAMP)"
                ),
                {"sha": "0" * 64, "content": b"x"},
            )
            for invoice_id, types, state in (
                (1, "OTH,PAY", "held"),
                (2, "UNR", "held"),
                (3, None, "posted"),
                (4, "REF,REF", "returned"),
                (5, "PAYX", "held"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO invoices (id, document_id, source, source_ref, source_meta, received_at,"
                        " updated_at, state, error_types, outcome_pending, attempts, erp_unreachable)"
                        " VALUES (:id, 1, 'folder', :ref, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                        " :state, :types, false, 0, 0)"
                    ),
                    {"id": invoice_id, "ref": f"{invoice_id}.xml", "state": state, "types": types},
                )
        migrate(engine)
        with engine.connect() as conn:
            rows = set(conn.execute(text("SELECT invoice_id, code FROM invoice_error_types")).all())
        assert rows == {(1, "OTH"), (1, "PAY"), (2, "UNR"), (4, "REF"), (5, "PAYX")}
        store = Store(engine)
        assert [r.id for r in store.held(error_type="PAY")] == [1]  # not PAYX
        assert [r.id for r in store.held(error_type="PAYX")] == [5]
        assert [r.id for r in store.held(error_type="UNR")] == [2]
    finally:
        engine.dispose()
