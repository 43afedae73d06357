"""The file connectors (folder source, journal ledger, .eml notices) and the in-memory fakes."""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import Ledger, Notifier, OutgoingNotice, Source
from connectors.eml import EmlNotifier, message_id
from connectors.eml import Settings as EmlSettings
from connectors.fakes import MemoryLedger, MemoryNotifier, MemorySource, SimulatedCrash, sample_posting
from connectors.folder import FolderSource
from connectors.folder import Settings as FolderSettings
from connectors.journal import JournalLedger
from connectors.journal import Settings as JournalSettings
from robot.errors import BusinessError, ConnectorError, TransientError

# --- folder source ------------------------------------------------------------------------------


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "b.xml").write_bytes(b"<Invoice>b</Invoice>")
    (inbox / "a.xml").write_bytes(b"<Invoice>a</Invoice>")
    (inbox / "a.xml.meta.json").write_text(
        json.dumps({"customer": "ufst", "remark": "TIL SAM tjek", "approver": None}), encoding="utf-8"
    )
    (inbox / ".hidden").write_text("x")
    (inbox / "sub").mkdir()
    return inbox


def test_folder_fetch_sorted_with_metadata(tmp_path: Path) -> None:
    source = FolderSource(_inbox(tmp_path))
    assert isinstance(source, Source)
    docs = list(source.fetch())
    assert [d.source_ref for d in docs] == ["a.xml", "b.xml"]
    assert docs[0].content == b"<Invoice>a</Invoice>"
    assert dict(docs[0].metadata) == {"customer": "ufst", "remark": "TIL SAM tjek", "approver": ""}
    assert dict(docs[1].metadata) == {}
    # fetching again before acknowledge repeats the documents
    assert [d.source_ref for d in source.fetch()] == ["a.xml", "b.xml"]


def test_folder_acknowledge_moves_file_and_sidecar(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    source = FolderSource(inbox)
    first = next(iter(source.fetch()))
    source.acknowledge(first)
    assert (inbox / ".done" / "a.xml").read_bytes() == b"<Invoice>a</Invoice>"
    assert (inbox / ".done" / "a.xml.meta.json").exists()
    assert not (inbox / "a.xml").exists() and not (inbox / "a.xml.meta.json").exists()
    assert [d.source_ref for d in source.fetch()] == ["b.xml"]
    source.acknowledge(first)  # a second acknowledge is harmless


def test_folder_report_outcome_appends_json_lines(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    source = FolderSource(inbox)
    source.report_outcome("a.xml", "transferred", {"erp_number": "PI-000001"})
    source.report_outcome("b.xml", "returned", {"reason": "REF"})
    lines = (inbox / ".outcomes.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["outcome"] for x in lines] == ["transferred", "returned"]
    assert source.outcomes()[0]["detail"] == {"erp_number": "PI-000001"}
    assert str(source.outcomes()[0]["at"]).endswith("+00:00")


def test_folder_bad_sidecar_and_missing_inbox_are_clear(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "b.xml.meta.json").write_text("[1, 2]")
    with pytest.raises(ConnectorError, match=r"b\.xml\.meta\.json: metadata must be a JSON object"):
        list(FolderSource(inbox).fetch())
    (inbox / "b.xml.meta.json").write_text("{not json")
    with pytest.raises(ConnectorError, match="not valid JSON"):
        list(FolderSource(inbox).fetch())
    with pytest.raises(ConnectorError, match="does not exist"):
        list(FolderSource(tmp_path / "nope").fetch())


def test_folder_settings_forbid_unknown_keys_and_resolve_relative(tmp_path: Path) -> None:
    source = FolderSource.from_settings(FolderSettings.model_validate({"inbox": "in"}), tmp_path)
    assert source.inbox == tmp_path / "in"
    with pytest.raises(ValueError, match="extra"):
        FolderSettings.model_validate({"inbox": "in", "inbx": "x"})


# --- journal ledger -----------------------------------------------------------------------------


def test_journal_posts_erp_fields_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "var" / "journal.jsonl"
    ledger = JournalLedger(path)
    assert isinstance(ledger, Ledger)
    assert ledger.find(sample_posting()) is None
    assert ledger.post(sample_posting()) == "PI-000001"
    assert ledger.post(sample_posting("V-2:INV-9")) == "PI-000002"
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert record["vendorNumber"] == "V-1000"
    assert record["vendorInvoiceNumber"] == "INV-1"
    assert record["invoiceDate"] == "2025-03-01" and record["dueDate"] == "2025-03-31"
    assert record["currencyCode"] == "DKK"
    assert (record["netAmount"], record["vatAmount"], record["grossAmount"]) == (
        "1000.00",
        "250.00",
        "1250.00",
    )
    assert record["lines"][0]["account"] == "1234"
    assert record["lines"][0]["dimensions"] == {"AFDELING": "100"}
    assert record["lines"][0]["vatRate"] == "25" and record["lines"][0]["vatAmount"] == "250.00"
    assert record["idempotency_key"] == "V-1000:INV-1"
    assert record["document_sha256"] == "0" * 64


def test_journal_second_post_writes_nothing_and_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    JournalLedger(path).post(sample_posting())
    size = path.stat().st_size
    again = JournalLedger(path)  # a new process loads the index from the file
    assert again.find(sample_posting()) == "PI-000001"
    assert again.post(sample_posting()) == "PI-000001"
    assert path.stat().st_size == size
    assert again.post(sample_posting("V-3:X")) == "PI-000002"


def test_journal_tolerates_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    JournalLedger(path).post(sample_posting())
    with path.open("ab") as fh:
        fh.write(b'{"number": "PI-000002", "idempotency_key": "V-2:IN')  # crash mid-write
    ledger = JournalLedger(path)
    assert ledger.find(sample_posting("V-2:INV-2")) is None
    assert ledger.post(sample_posting("V-2:INV-2")) == "PI-000002"
    entries = ledger.entries()
    assert [e["number"] for e in entries] == ["PI-000001", "PI-000002"]
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def test_journal_shared_by_two_writers(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    first, second = JournalLedger(path), JournalLedger(path)
    assert (
        first.find(sample_posting()) is None and second.find(sample_posting()) is None
    )  # both indexes loaded
    assert first.post(sample_posting()) == "PI-000001"
    assert second.post(sample_posting()) == "PI-000001"  # re-read under the lock: not posted twice
    assert second.post(sample_posting("V-2:B")) == "PI-000002"
    assert first.post(sample_posting("V-3:C")) == "PI-000003"
    assert [e["idempotency_key"] for e in JournalLedger(path).entries()] == ["V-1000:INV-1", "V-2:B", "V-3:C"]


def test_journal_damaged_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    ledger = JournalLedger(path)
    ledger.post(sample_posting())
    ledger.post(sample_posting("V-2:B"))
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("garbage\n" + lines[1] + "\n", encoding="utf-8")
    with pytest.raises(ConnectorError, match="line 1 is not JSON"):
        JournalLedger(path).find(sample_posting())


def test_journal_settings(tmp_path: Path) -> None:
    ledger = JournalLedger.from_settings(JournalSettings(path=Path("j.jsonl"), prefix="KF-"), tmp_path)
    assert ledger.post(sample_posting()) == "KF-000001"
    assert (tmp_path / "j.jsonl").exists()


# --- .eml notices -------------------------------------------------------------------------------


def _notice(key: str = "run-7:ufst") -> OutgoingNotice:
    return OutgoingNotice(
        notice_key=key,
        to=("kreditor@ufst.dk", "leder@ufst.dk"),
        subject="Returnerede fakturaer / Returned invoices",
        text="Fakturaen mangler ordrenummer (BT-13). Beløb 1.234,50 kr.\n\nThe invoice lacks an order no.",
        html="<p>Beløb <b>1.234,50 kr.</b></p>",
        attachments=(("ir-1.xml", b"<ApplicationResponse/>", "application/xml"),),
    )


def test_eml_writes_rfc5322_message(tmp_path: Path) -> None:
    notifier = EmlNotifier.from_settings(
        EmlSettings(outbox=Path("out"), from_address="robot@sam.dk"), tmp_path
    )
    assert isinstance(notifier, Notifier)
    notifier.send(_notice())
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["run-7_ufst.eml"]
    msg = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == "Returnerede fakturaer / Returned invoices"
    assert msg["From"] == "robot@sam.dk"
    assert msg["To"] == "kreditor@ufst.dk, leder@ufst.dk"
    assert msg["Message-ID"] == message_id("run-7:ufst", "sam.dk")
    body = msg.get_body(("plain",))
    assert body is not None and "1.234,50 kr." in body.get_content()
    html = msg.get_body(("html",))
    assert html is not None and "<b>1.234,50 kr.</b>" in html.get_content()
    attachments = list(msg.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [
        ("ir-1.xml", "application/xml")
    ]
    assert attachments[0].get_content() == b"<ApplicationResponse/>"


def test_eml_same_key_twice_is_a_no_op(tmp_path: Path) -> None:
    notifier = EmlNotifier(tmp_path)
    notifier.send(_notice())
    first = (tmp_path / "run-7_ufst.eml").read_bytes()
    notifier.send(_notice())
    assert (tmp_path / "run-7_ufst.eml").read_bytes() == first
    assert len(list(tmp_path.iterdir())) == 1


def test_message_id_is_stable_and_distinct() -> None:
    assert message_id("run-1:a") == message_id("run-1:a")
    assert message_id("run-1:a") != message_id("run-1:b")
    assert message_id("run 1/a") != message_id("run.1.a")


# --- fakes --------------------------------------------------------------------------------------


def test_memory_source_repeats_until_acknowledged() -> None:
    source = MemorySource()
    assert isinstance(source, Source)
    doc = source.add("x.xml", b"<x/>", {"customer": "c1"})
    assert [d.source_ref for d in source.fetch()] == ["x.xml"]
    source.acknowledge(doc)
    assert list(source.fetch()) == []
    source.report_outcome("x.xml", "returned", {"reason": "REF"})
    assert source.outcomes == [("x.xml", "returned", {"reason": "REF"})]
    source.down = True
    with pytest.raises(TransientError):
        list(source.fetch())


def test_memory_ledger_failures() -> None:
    ledger = MemoryLedger(fail_on={1}, refuse={"V-9:BAD": "vendor blocked"})
    assert isinstance(ledger, Ledger)
    with pytest.raises(TransientError):
        ledger.post(sample_posting())
    assert ledger.post(sample_posting()) == "MEM-000001"
    with pytest.raises(BusinessError, match="vendor blocked"):
        ledger.post(sample_posting("V-9:BAD"))
    ledger.down = True
    with pytest.raises(TransientError):
        ledger.find(sample_posting())


def test_memory_ledger_crash_after_post_is_found_on_resume() -> None:
    ledger = MemoryLedger(crash_after={1})
    with pytest.raises(SimulatedCrash):
        ledger.post(sample_posting())
    assert ledger.find(sample_posting()) == "MEM-000001"
    assert ledger.post(sample_posting()) == "MEM-000001"
    assert len(ledger.posted) == 1


def test_memory_notifier_down_and_counts() -> None:
    notifier = MemoryNotifier(fail_on={2})
    assert isinstance(notifier, Notifier)
    notifier.send(_notice("a"))
    with pytest.raises(TransientError):
        notifier.send(_notice("b"))
    notifier.down = True
    with pytest.raises(TransientError):
        notifier.send(_notice("b"))
    notifier.down = False
    notifier.send(_notice("b"))
    assert [n.notice_key for n in notifier.sent] == ["a", "b"]
    assert {k: len(v) for k, v in notifier.by_key().items()} == {"a": 1, "b": 1}
