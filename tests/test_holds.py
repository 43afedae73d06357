"""The creditor team's hold queue, end to end over the samples, on SQLite and PostgreSQL.

A run holds what the manifest says; people release, return and retry; the next run posts the
released invoice exactly once, returns the other with the person's reason in the notice and the
Invoice Response, and reads the retried PDF with the template added since. Deciding on an invoice
that is not held (any more) is refused, so two people cannot both act on one invoice.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLES
from typer.testing import CliRunner

from connectors.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.cli.app import _register, app
from robot.context import MasterData
from robot.errors import StoreError
from robot.findings import manual_return
from robot.pdftext import TemplateSet
from robot.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
HELD = {e["file"] for e in MANIFEST if e["verdict"] == "hold"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path}/store.db"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_fresh_url")
    )
    s = Store.open(url)
    yield s
    s.close()


def _source() -> MemorySource:
    source = MemorySource()
    for entry in MANIFEST:
        path = SAMPLES / "inbox" / entry["file"]
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        source.add(entry["file"], path.read_bytes(), meta)
    return source


def _robot(
    store: Store, source: MemorySource, ledger: MemoryLedger, notifier: MemoryNotifier, tpl: Path
) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    return Robot(
        store, master, source=source, ledger=ledger, notifier=notifier, pdf_templates=TemplateSet.load([tpl])
    )


def _id(store: Store, file: str) -> int:
    [row] = store.find_invoices(file)
    return row.id


def test_release_return_and_retry_are_carried_out_by_the_next_run(store: Store, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(SAMPLES / "pdf-templates", templates)
    source, ledger, notifier = _source(), MemoryLedger(), MemoryNotifier()
    summary = _robot(store, source, ledger, notifier, templates).run(RunOptions())
    assert summary.status == "ok"
    assert {r.source_ref for r in store.held()} == HELD
    assert summary.counts["hold_queue"] == len(HELD)
    dated = [r for r in store.held() if r.due_date is not None]
    assert store.hold_queue_size(date(2000, 1, 1)) == (len(HELD), 0)
    assert store.hold_queue_size(date(2100, 1, 1)) == (len(HELD), len(dated)) and len(dated) == len(HELD) - 1
    assert [r.source_ref for r in store.held(customer="ITD")] == ["0058-pdf-printed-totals-off.pdf"]
    assert {r.source_ref for r in store.held(error_type="PAY")} == {"0044-oioubl-bank-account-differs.xml"}
    posted_before, sent_before = len(ledger.posted), len(notifier.sent)

    pdf, bank, unreadable = (
        _id(store, "0056-pdf-printed-held.pdf"),
        _id(store, "0044-oioubl-bank-account-differs.xml"),
        _id(store, "0059-pdf-no-template.pdf"),
    )
    store.resolve_hold(pdf, "release", by="ANJE", note="checked against the PDF")
    reason = manual_return(
        "PAY", "Ny bankkonto skal bekræftes skriftligt", "Confirm the new bank account in writing", "MOLA"
    )
    store.resolve_hold(bank, "return", by="MOLA", note="new account not confirmed", finding=reason)
    # the creditor team writes the missing template, then asks for the PDF to be read again
    text = (templates / "dk.kursuscentret-eksempel.yml").read_text(encoding="utf-8")
    text = text.replace("Kursuscentret\\s+Eksempel\\s+ApS", "Laboratorieudstyr\\s+Danmark\\s+A/S")
    (templates / "dk.laboratorieudstyr.yml").write_text(
        text.replace("91206676", "91207788"), encoding="utf-8"
    )
    store.resolve_hold(unreadable, "retry", by="ANJE", note="template added")
    with pytest.raises(StoreError, match=f"invoice {pdf} is classified, not held"):
        store.resolve_hold(pdf, "release", by="KAJE")  # a second person, too late

    summary = _robot(store, source, ledger, notifier, templates).run(RunOptions())
    assert summary.status == "ok"
    assert store.invoice(pdf).state == InvoiceState.POSTED and store.invoice(pdf).erp_document_no
    assert len(ledger.posted) == posted_before + 1
    assert store.invoice(bank).state == InvoiceState.RETURNED
    digest = "\n".join(n.text for n in notifier.sent[sent_before:])
    assert (
        "Ny bankkonto skal bekræftes skriftligt" in digest
        and "Confirm the new bank account in writing" in digest
    )
    assert "VENDOR-BANK" not in digest  # the customer reads the person's reason, not the internal hold
    response = store.invoice(bank).invoice_response or b""
    assert b"Ny bankkonto skal" in response and b"<cbc:ResponseCode>RE</cbc:ResponseCode>" in response
    outcomes = {ref: (outcome, detail) for ref, outcome, detail in source.outcomes}
    assert outcomes["0044-oioubl-bank-account-differs.xml"][0] == "returned"
    assert outcomes["0056-pdf-printed-held.pdf"][0] == "transferred"
    retried = store.invoice(unreadable)
    assert retried.state == InvoiceState.HELD and retried.invoice_number == "LD20260350"
    assert [f.code for f in store.findings_of(unreadable)] == ["PDF-TEXT"]  # READ-ERROR is gone

    _, events, _, _ = store.journey(pdf)
    released = [e for e in events if e.kind == "released"]
    assert released and released[0].detail["by"] == "ANJE" and released[0].detail["findings"] == ["PDF-TEXT"]

    _robot(store, source, ledger, notifier, templates).run(RunOptions())
    assert len(ledger.posted) == posted_before + 1  # nothing twice


def test_decisions_are_refused_on_unknown_or_unheld_invoices_and_without_a_name(store: Store) -> None:
    with pytest.raises(StoreError, match="no invoice 999"):
        store.resolve_hold(999, "release", by="ANJE")
    with pytest.raises(StoreError, match="say who decides"):
        store.resolve_hold(1, "release", by=" ")


def test_cli_held_and_decisions(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/store.db"
    store = Store.open(database)
    source = _source()
    _robot(store, source, MemoryLedger(), MemoryNotifier(), SAMPLES / "pdf-templates").run(RunOptions())
    limit = _id(store, "0050-peppol-above-auto-post-limit.xml")
    store.close()
    _register()
    runner = CliRunner()
    result = runner.invoke(app, ["held", "--json", "--customer", "SFE", "--database", database])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and all(r["customer"] == "SFE" for r in rows)
    assert {r["source_ref"] for r in rows} == {
        e["file"] for e in MANIFEST if e["verdict"] == "hold" and e["customer"] == "SFE"
    }
    first = rows[0]
    dues = [r["due_date"] for r in rows]
    known = [d for d in dues if d is not None]
    assert dues == known + [None] * (len(dues) - len(known)) and known == sorted(known)  # due first
    assert first["findings"] and first["findings"][0]["message_da"]
    bad = runner.invoke(
        app, ["return", str(limit), "--by", "ANJE", "--reason", "x", "--code", "XYZ", "--database", database]
    )
    assert bad.exit_code == 2 and "unknown --code 'XYZ'" in bad.output
    ok = runner.invoke(
        app,
        [
            "release",
            str(limit),
            "--by",
            "ANJE",
            "--note",
            "approved by the head of unit",
            "--database",
            database,
        ],
    )
    assert ok.exit_code == 0 and "release by ANJE" in ok.output
    again = runner.invoke(app, ["retry", str(limit), "--by", "KAJE", "--database", database])
    assert again.exit_code == 2 and "not held" in again.output
    show = runner.invoke(app, ["show", str(limit), "--json", "--database", database])
    events = json.loads(show.output)["events"]
    assert any(e["kind"] == "released" and e["note"] == "approved by the head of unit" for e in events)
