"""The creditor team's hold queue, end to end over the samples, on SQLite and PostgreSQL.

A run holds what the manifest says; people release, return and retry; the next run posts the
released invoice exactly once, returns the other with the person's reason in the notice and the
Invoice Response, and reads the retried PDF with the template added since. Deciding on an invoice
that is not held (any more) is refused, so two people cannot both act on one invoice.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.cli.app import _register, app
from robot.errors import StoreError
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.processing.findings import manual_return
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES, sample_source

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
HELD = {e["file"] for e in MANIFEST if e["verdict"] == "hold"}


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
    source, ledger, notifier = sample_source(), MemoryLedger(), MemoryNotifier()
    summary = _robot(store, source, ledger, notifier, templates).run(RunOptions())
    assert summary.status == "ok"
    assert {r.source_ref for r in store.held()} == HELD
    assert summary.counts["hold_queue"] == len(HELD)
    dated = [r for r in store.held() if r.due_date is not None]
    assert store.hold_queue_size(date(2000, 1, 1)) == (len(HELD), 0)
    assert store.hold_queue_size(date(2100, 1, 1)) == (len(HELD), len(dated)) and len(dated) == len(HELD) - 1
    assert [r.source_ref for r in store.held(customer="ITD")] == [
        "0058-pdf-printed-totals-off.pdf",
        "0061-pdf-untemplated-footer.pdf",
    ]
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
    with pytest.raises(StoreError, match=f"invoice {pdf} is not held any more: released by ANJE at "):
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
    assert [f.code for f in store.findings_of(unreadable)] == ["PDF-TEXT"]  # read by the new template now

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
    source = sample_source()
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
            "--config",
            str(SAMPLES / "fakturarobot.yaml"),
        ],
    )
    assert ok.exit_code == 0 and "released by ANJE at " in ok.output
    again = runner.invoke(app, ["retry", str(limit), "--by", "KAJE", "--database", database])
    assert again.exit_code == 2 and "not held any more: released by ANJE" in again.output
    show = runner.invoke(app, ["show", str(limit), "--json", "--database", database])
    events = json.loads(show.output)["events"]
    assert any(e["kind"] == "released" and e["note"] == "approved by the head of unit" for e in events)


# --- what `held` and `show` print: 80 columns, words, CSV, filters, a timeline ------------------


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store after one run over the samples (read-only for the tests below)."""
    database = f"sqlite:///{tmp_path_factory.mktemp('held')}/store.db"
    store = Store.open(database)
    _robot(store, sample_source(), MemoryLedger(), MemoryNotifier(), SAMPLES / "pdf-templates").run(
        RunOptions()
    )
    store.close()
    _register()
    return database


def _cli(database: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--database", database], env={"COLUMNS": "80"})
    return result.exit_code, result.output


def test_held_fits_80_columns_without_breaking_ids_numbers_or_codes(sample_store: str) -> None:
    code, out = _cli(sample_store, "held")
    assert code == 0, out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    tokens = {token for line in lines for token in line.split()}
    _, raw = _cli(sample_store, "held", "--json")
    rows = [json.loads(line) for line in raw.splitlines()]
    assert len(rows) == len(HELD)
    for row in rows:
        assert str(row["invoice_id"]) in tokens
        for finding in row["findings"]:
            assert finding["code"] in tokens, finding["code"]  # "DUP-SUSPECT", never "DUP-SUSPE / CT"
        if row["invoice_number"]:
            assert row["invoice_number"] in tokens  # "ITS-20260397", never "ITS-20260 / 397"
        if row["due_date"]:
            assert row["due_date"] in tokens


def test_held_says_overdue_in_words_not_only_in_colour(sample_store: str) -> None:
    code, out = _cli(sample_store, "held")  # not a terminal: no colour at all
    assert code == 0 and "\x1b[" not in out
    _, raw = _cli(sample_store, "held", "--json")
    rows = [json.loads(line) for line in raw.splitlines()]
    late = [r for r in rows if r["overdue"]]
    assert late
    for r in late:
        days = (date.today() - date.fromisoformat(r["due_date"])).days
        assert days > 0 and f"overdue {days} day{'s' if days != 1 else ''}" in out
    assert len(late) == sum(1 for line in out.splitlines() if "overdue " in line)


def test_held_csv(sample_store: str) -> None:
    import csv
    import io

    code, out = _cli(sample_store, "held", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["source_ref"] for r in rows} == HELD
    bank = next(r for r in rows if r["source_ref"] == "0044-oioubl-bank-account-differs.xml")
    assert bank["held_by"] == "VENDOR-BANK" and bank["customer"] == "MFP" and bank["status"] == "held"
    assert Decimal(bank["payable"]) == Decimal("76875.00") and bank["currency"] == "DKK"
    assert int(bank["overdue_days"]) >= 0


def test_held_compares_customers_without_case_and_refuses_unknown_error_types(sample_store: str) -> None:
    _, upper = _cli(sample_store, "held", "--json", "--customer", "SFE")
    code, lower = _cli(sample_store, "held", "--json", "--customer", "sfe")
    assert (
        code == 0
        and lower == upper
        and len(lower.splitlines())
        == len([e for e in MANIFEST if e["verdict"] == "hold" and e["customer"] == "SFE"])
    )
    _, pay = _cli(sample_store, "held", "--json", "--error-type", "pay")
    assert [json.loads(line)["source_ref"] for line in pay.splitlines()] == [
        "0044-oioubl-bank-account-differs.xml"
    ]
    code, out = _cli(sample_store, "held", "--error-type", "XYZ")
    assert code == 2 and "unknown --error-type 'XYZ'" in out
    assert all(known in out for known in ("PAY", "OTH", "REF", "UNR"))
    code, out = _cli(sample_store, "held", "--json", "--error-type", "RE")  # a part of REF/REC only
    assert code == 2 and "unknown --error-type" in out


def test_show_prints_a_timeline_not_raw_json(sample_store: str) -> None:
    code, out = _cli(sample_store, "show", "0044-oioubl-bank-account-differs.xml")
    assert code == 0, out
    assert "{" not in out and '"' not in out.replace("'", "")  # no JSON in the human output
    assert all(len(line) <= 80 for line in out.splitlines())
    journey = out.split("Journey")[1].splitlines()
    starts = [line.split()[2] for line in journey if line[:4].isdigit()]  # one line per event
    assert starts == ["received", "read", "classified", "held"]
    assert any("run 1" in line and "VENDOR-BANK" in line for line in journey if line[:4].isdigit())
    code, raw = _cli(sample_store, "show", "0044-oioubl-bank-account-differs.xml", "--json")
    data = json.loads(raw)
    assert [e["kind"] for e in data["events"]] == ["received", "read", "classified", "held"]
    assert data["events"][0]["sha256"] and data["state"] == "held" and data["status"] == "held"


def test_held_table_at_80_columns_keeps_the_longest_codes_and_numbers_whole() -> None:
    """Rendered on a Rich console of width 80: the longest rule code, a long invoice number, a
    seven-digit amount and a long supplier name with markup in it."""
    import io
    from datetime import timedelta

    from rich.console import Console

    from robot.cli.holds_view import held_table
    from robot.store.schema import FindingRow, InvoiceRow

    today = date(2026, 6, 1)
    row = InvoiceRow(
        id=12345,
        customer_id="SFE",
        supplier_name="Meget Langt Leverandørnavn [bold]Ejendomsservice og Facility Management A/S",
        invoice_number="INV-2026-000123456",
        payable=Decimal("1234567.89"),
        currency="DKK",
        due_date=today - timedelta(days=1),
    )
    codes = ["ROBOT-RETRIES-EXHAUSTED", "CUST-SUPPLIER-ALLOW", "DUP-SUSPECT"]
    findings = [FindingRow(code=c, disposition="hold") for c in codes]
    out = io.StringIO()
    Console(file=out, width=80, emoji=False).print(held_table([row], {row.id: findings}, {}, today))
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    tokens = {t for line in text.splitlines() for t in line.split()}
    assert {"12345", "INV-2026-000123456", "1,234,567.89", "2026-05-31", *codes} <= tokens
    assert "overdue 1 day" in text and "[bold]" in text  # markup in supplier text printed literally
