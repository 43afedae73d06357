"""The file connectors (folder source, journal ledger, .eml notices) and the in-memory fakes."""

from __future__ import annotations

import email
import json
import os
import re
import threading
import time
import tracemalloc
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import (
    INTAKE_PROBLEM,
    IncomingDocument,
    IntakeFailure,
    Ledger,
    Notifier,
    OutgoingNotice,
    Source,
)
from connectors.eml import EmlNotifier, message_id
from connectors.eml import Settings as EmlSettings
from connectors.folder import FolderSource
from connectors.folder import Settings as FolderSettings
from connectors.journal import JournalLedger
from connectors.journal import Settings as JournalSettings
from connectors.testing.fakes import (
    MemoryLedger,
    MemoryNotifier,
    MemorySource,
    SimulatedCrash,
    sample_posting,
)
from robot.errors import BusinessError, ConnectorError, TransientError
from robot.readers.limits import MAX_DOCUMENT_BYTES

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
    source = FolderSource(_inbox(tmp_path), settle_seconds=0)
    assert isinstance(source, Source)
    docs = [d for d in source.fetch() if isinstance(d, IncomingDocument)]
    assert [d.source_ref for d in docs] == ["a.xml", "b.xml"]
    assert docs[0].content == b"<Invoice>a</Invoice>"
    assert dict(docs[0].metadata) == {"customer": "ufst", "remark": "TIL SAM tjek", "approver": ""}
    assert dict(docs[1].metadata) == {}
    # fetching again before acknowledge repeats the documents
    assert [d.source_ref for d in source.fetch()] == ["a.xml", "b.xml"]


def test_folder_acknowledge_moves_file_and_sidecar(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    source = FolderSource(inbox, settle_seconds=0)
    first = next(iter(source.fetch()))
    assert isinstance(first, IncomingDocument)
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


def test_folder_missing_inbox_is_clear(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="does not exist"):
        list(FolderSource(tmp_path / "nope").fetch())


DEEP = b'{"customer": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
BAD_SIDECARS = {
    "invalid-json": (b"{not json", r"b\.xml\.meta\.json: not valid JSON at line 1 column 2"),
    "bom-and-invalid": (b"\xef\xbb\xbf{", r"b\.xml\.meta\.json: not valid JSON at line 1 column 2"),
    "a-list": (b"[1, 2]", r"b\.xml\.meta\.json: a JSON array, not an object"),
    "a-string": (b'"ufst"', r"b\.xml\.meta\.json: a JSON string, not an object"),
    "deep-nesting": (DEEP[:60_000] + b"}", r"b\.xml\.meta\.json: (nested too deeply|not valid JSON)"),
    "deeper-than-recursion": (b"[" * 30_000 + b"]" * 30_000, r"b\.xml\.meta\.json: nested too deeply"),
    "not-utf8": (b'{"customer": "\xff\xfe"}', r"b\.xml\.meta\.json: not UTF-8 text \(byte 14\)"),
    "non-string-value": (
        b'{"customer": "ufst", "account": 4000.10, "approver": {"a": 1}}',
        r"account is a JSON number, not a string; approver is a JSON object, not a string",
    ),
    "too-big": (b'{"remark": "' + b"x" * 70_000 + b'"}', r"more than 65,536 bytes; not read"),
    "reserved-key": (b'{"intake_problem": "", "customer": "ufst"}', r"intake_problem is reserved"),
}


@pytest.mark.parametrize("kind", sorted(BAD_SIDECARS))
def test_folder_bad_sidecar_holds_its_document_and_the_rest_go_on(tmp_path: Path, kind: str) -> None:
    """Issue 9.4: one bad sidecar raised out of fetch() and blocked every file after it, every run."""
    raw, problem = BAD_SIDECARS[kind]
    inbox = _inbox(tmp_path)
    (inbox / "b.xml.meta.json").write_bytes(raw)
    (inbox / "c.xml").write_bytes(b"<Invoice>c</Invoice>")
    docs = list(FolderSource(inbox, settle_seconds=0).fetch())
    assert [d.source_ref for d in docs if isinstance(d, IncomingDocument)] == ["a.xml", "b.xml", "c.xml"]
    by_ref = {d.source_ref: d for d in docs if isinstance(d, IncomingDocument)}
    assert by_ref["b.xml"].content == b"<Invoice>b</Invoice>"  # the document is taken over, held later
    assert re.search(problem, by_ref["b.xml"].metadata[INTAKE_PROBLEM]), by_ref["b.xml"].metadata
    assert (
        by_ref["b.xml"]
        .metadata[INTAKE_PROBLEM]
        .endswith("expected an object with customer, approver, remark, account")
    )
    assert INTAKE_PROBLEM not in by_ref["c.xml"].metadata and INTAKE_PROBLEM not in by_ref["a.xml"].metadata
    assert by_ref["a.xml"].metadata["customer"] == "ufst"


def test_folder_sidecar_with_a_bom_is_read(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "b.xml.meta.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"customer": "sfe"}).encode())
    docs = [d for d in FolderSource(inbox, settle_seconds=0).fetch() if isinstance(d, IncomingDocument)]
    assert dict(docs[1].metadata) == {"customer": "sfe"}


def test_folder_name_too_long_for_a_sidecar_is_taken_and_held(tmp_path: Path) -> None:
    """Issue 9.4: a ~246-character file name made ``exists()`` of its sidecar raise ENAMETOOLONG."""
    inbox = _inbox(tmp_path)
    long_name = "f" * 242 + ".xml"  # 246 characters: fine itself, but + ".meta.json" is over 255
    (inbox / long_name).write_bytes(b"<Invoice>long</Invoice>")
    source = FolderSource(inbox, settle_seconds=0)
    docs = {d.source_ref: d for d in source.fetch() if isinstance(d, IncomingDocument)}
    assert sorted(docs) == ["a.xml", "b.xml", long_name]
    assert "too long for a sidecar" in docs[long_name].metadata[INTAKE_PROBLEM]
    source.acknowledge(docs[long_name])
    assert (inbox / ".done" / long_name).read_bytes() == b"<Invoice>long</Invoice>"


def test_folder_refuses_symlinks_and_never_reads_them(tmp_path: Path) -> None:
    """Issue 9.10: a symlink to /etc/hostname was stored; a PDF outside the inbox was read."""
    inbox = _inbox(tmp_path)
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4 secret salary list")
    (inbox / "0-outside.pdf").symlink_to(outside)
    (inbox / "0-hostname.xml").symlink_to("/etc/hostname")
    (inbox / "0-dir-link").symlink_to(tmp_path)
    (tmp_path / "outside.json").write_text('{"customer": "stolen"}')
    (inbox / "b.xml.meta.json").symlink_to(tmp_path / "outside.json")
    items = list(FolderSource(inbox, settle_seconds=0).fetch())
    failures = {i.source_ref: i.reason for i in items if isinstance(i, IntakeFailure)}
    assert sorted(failures) == ["0-dir-link", "0-hostname.xml", "0-outside.pdf"]
    assert all("symbolic link; not read" in r for r in failures.values())
    docs = {d.source_ref: d for d in items if isinstance(d, IncomingDocument)}
    assert sorted(docs) == ["a.xml", "b.xml"]
    assert "symbolic link; not read" in docs["b.xml"].metadata[INTAKE_PROBLEM]
    assert "stolen" not in repr(items) and "secret" not in repr(items)


def test_folder_refuses_names_that_are_not_plain(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "evil\r\n\x1b[2J.xml").write_bytes(b"<Invoice>x</Invoice>")
    (inbox / os.fsdecode(b"latin1-\xe6.xml")).write_bytes(b"<Invoice>y</Invoice>")
    os.mkfifo(inbox / "0-pipe.xml")  # opening it would block the fetch forever
    items = list(FolderSource(inbox, settle_seconds=0).fetch())
    failures = {i.source_ref: i.reason for i in items if isinstance(i, IntakeFailure)}
    assert failures == {
        "0-pipe.xml": "is not a regular file (a device, pipe or socket); not read",
        "evil\\r\\n\\x1b[2J.xml": "the file name contains control characters; not read — rename the file",
        "latin1-\\udce6.xml": "the file name is not valid UTF-8; not read — rename the file",
    }
    assert [d.source_ref for d in items if isinstance(d, IncomingDocument)] == ["a.xml", "b.xml"]


def test_folder_oversize_file_is_not_read(tmp_path: Path) -> None:
    """Issue 9.3: a 200 MB document was read and stored before the size check refused it."""
    inbox = _inbox(tmp_path)
    with (inbox / "big.pdf").open("wb") as fh:  # sparse: no disk, but stat says 60 MB
        fh.truncate(MAX_DOCUMENT_BYTES + 10 * 1024 * 1024)
    tracemalloc.start()
    try:
        docs = {d.source_ref: d for d in FolderSource(inbox, settle_seconds=0).fetch()}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    big = docs["big.pdf"]
    assert isinstance(big, IncomingDocument) and big.content == b""
    assert big.metadata[INTAKE_PROBLEM] == "file is 60 MB; the limit is 50 MB"
    assert peak < 5 * 1024 * 1024
    assert sorted(docs) == ["a.xml", "b.xml", "big.pdf"]


def _writer(path: Path, chunks: int, pause: float) -> threading.Thread:
    def write() -> None:
        with path.open("ab") as fh:
            for i in range(chunks):
                fh.write(f"<Line>{i}</Line>".encode())
                fh.flush()
                time.sleep(pause)
            fh.write(b"</Invoice>")

    thread = threading.Thread(target=write, daemon=True)
    return thread


def test_folder_file_being_written_is_not_taken_until_complete(tmp_path: Path) -> None:
    """Issue 9.10: a file still being copied was stored truncated (and retry re-read those bytes)."""
    inbox = _inbox(tmp_path)
    growing = inbox / "c.xml"
    growing.write_bytes(b"<Invoice>")
    writer = _writer(growing, chunks=60, pause=0.02)  # about 1.2 s of writing
    source = FolderSource(inbox, settle_seconds=0.4)
    writer.start()
    started = time.monotonic()
    first = [d.source_ref for d in source.fetch()]
    assert first == ["a.xml", "b.xml"]  # c.xml was changing during the settle interval: left alone
    assert time.monotonic() - started < 1.5
    writer.join(5)
    assert not writer.is_alive()
    docs = {d.source_ref: d for d in source.fetch() if isinstance(d, IncomingDocument)}
    assert docs["c.xml"].content == growing.read_bytes()
    assert docs["c.xml"].content.endswith(b"<Line>59</Line></Invoice>")


def test_folder_file_changed_after_reading_is_not_moved_away(tmp_path: Path) -> None:
    """Issue 9.10: acknowledge moved the complete file to .done/ while the truncated bytes were stored."""
    inbox = _inbox(tmp_path)
    source = FolderSource(inbox, settle_seconds=0)
    doc = next(d for d in source.fetch() if isinstance(d, IncomingDocument) and d.source_ref == "b.xml")
    with (inbox / "b.xml").open("ab") as fh:
        fh.write(b"<!-- the rest -->")
    with pytest.raises(ConnectorError, match=r"b\.xml changed after it was read; left in the inbox"):
        source.acknowledge(doc)
    assert (inbox / "b.xml").exists() and not (inbox / ".done" / "b.xml").exists()
    again = next(d for d in source.fetch() if isinstance(d, IncomingDocument) and d.source_ref == "b.xml")
    assert again.content == b"<Invoice>b</Invoice><!-- the rest -->"
    source.acknowledge(again)
    assert (inbox / ".done" / "b.xml").read_bytes() == again.content


def test_folder_ignores_part_and_tmp_files(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "c.xml.part").write_bytes(b"<Invoice>half")
    (inbox / "d.PDF.tmp").write_bytes(b"%PDF-1.4 half")
    assert [d.source_ref for d in FolderSource(inbox, settle_seconds=0).fetch()] == ["a.xml", "b.xml"]
    os.replace(inbox / "c.xml.part", inbox / "c.xml")  # the writer's rename: now it is whole
    names = [d.source_ref for d in FolderSource(inbox, settle_seconds=0).fetch()]
    assert names == ["a.xml", "b.xml", "c.xml"]
    settings = FolderSettings.model_validate({"inbox": "inbox", "ignore_suffixes": [".xml", ".TMP"]})
    assert list(FolderSource.from_settings(settings, tmp_path).fetch()) == []


def test_folder_document_whose_sidecar_is_being_written_waits(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    os.utime(inbox / "b.xml", (time.time() - 3600, time.time() - 3600))  # the document is old
    sidecar = inbox / "b.xml.meta.json"
    sidecar.write_bytes(b'{"customer": "')

    def write() -> None:
        with sidecar.open("ab") as fh:
            for _ in range(40):
                time.sleep(0.02)
                fh.write(b"s")
                fh.flush()

    writer = threading.Thread(target=write, daemon=True)
    source = FolderSource(inbox, settle_seconds=0.3)
    writer.start()
    assert [d.source_ref for d in source.fetch()] == ["a.xml"]  # b.xml's sidecar is still changing
    writer.join(5)
    with sidecar.open("ab") as fh:
        fh.write(b'"}')
    docs = [d for d in source.fetch() if isinstance(d, IncomingDocument)]
    assert [(d.source_ref, dict(d.metadata)) for d in docs][1] == ("b.xml", {"customer": "s" * 40})


def test_folder_fresh_files_are_taken_after_the_settle_interval(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)  # just written: younger than the interval, unchanged when looked at again
    started = time.monotonic()
    assert [d.source_ref for d in FolderSource(inbox, settle_seconds=0.3).fetch()] == ["a.xml", "b.xml"]
    assert 0.2 < time.monotonic() - started < 2


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
