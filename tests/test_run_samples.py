"""End to end: one run over the committed samples, every verdict and error type as the manifest says."""

from __future__ import annotations

import email
import json
import shutil
from email import policy
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.testing.fakes import MemoryNotifier
from robot.cli.runs_cmd import samples_dir
from robot.configuration.wiring import build_robot
from robot.running.run import RunOptions
from robot.store.schema import InvoiceState

SAMPLES = samples_dir()
MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run over a copy of samples/ with folder source, journal ledger and .eml outbox."""
    work = tmp_path_factory.mktemp("demo")
    shutil.copytree(SAMPLES, work / "samples")
    (work / "var" / "demo").mkdir(parents=True)
    shutil.copytree(SAMPLES / "inbox", work / "var" / "demo" / "inbox")
    config = work / "samples" / "fakturarobot.yaml"
    robot, _ = build_robot(config, database_url=f"sqlite:///{work}/robot.db")
    summary = robot.run(RunOptions(trigger="test"))
    rows = {r.source_ref: r for r in robot.store.invoices_of_run(summary.run_id)}
    findings = {ref: robot.store.findings_of(r.id) for ref, r in rows.items()}
    robot.store.close()
    return {"summary": summary, "rows": rows, "findings": findings, "work": work}


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_each_sample_gets_its_verdict_and_error_type(demo_run: dict[str, Any], entry: dict[str, Any]) -> None:
    row = demo_run["rows"][entry["file"]]
    expected_state = {"post": InvoiceState.POSTED, "return": InvoiceState.RETURNED, "hold": InvoiceState.HELD}
    codes = [(f.code, f.message_en) for f in demo_run["findings"][entry["file"]] if f.severity == "error"]
    assert row.state == expected_state[entry["verdict"]], f"{entry['scenario']}: {codes}"
    if entry["reason"]:
        assert entry["reason"] in (row.error_types or "").split(","), f"{entry['scenario']}: {codes}"


def test_run_summary_counts_match_the_manifest(demo_run: dict[str, Any]) -> None:
    counts = demo_run["summary"].counts
    verdicts = [e["verdict"] for e in MANIFEST]
    assert counts["posted"] == verdicts.count("post")
    assert counts["returned"] == verdicts.count("return")
    assert counts["held"] == verdicts.count("hold")
    assert counts["pending"] == 0
    assert demo_run["summary"].status == "ok"


def test_ledger_has_one_line_per_posted_invoice(demo_run: dict[str, Any]) -> None:
    lines = (demo_run["work"] / "var" / "demo" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    keys = [json.loads(line)["idempotency_key"] for line in lines if line.strip()]
    assert len(keys) == len(set(keys)) == sum(1 for e in MANIFEST if e["verdict"] == "post")


def test_every_returned_invoice_is_in_a_digest_naming_field_and_fix(demo_run: dict[str, Any]) -> None:
    outbox = demo_run["work"] / "var" / "demo" / "outbox"
    mails = {}
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        mails[path.name] = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert mails, "no notices written"
    returned = [r for r in demo_run["rows"].values() if r.state == InvoiceState.RETURNED and r.customer_id]
    assert returned
    for row in returned:
        mail = next((m for name, m in mails.items() if f"_{row.customer_id}." in name), None)
        assert mail is not None, f"no digest for customer {row.customer_id}"
        assert (row.invoice_number or row.source_ref) in mail
        for finding in demo_run["findings"][row.source_ref]:
            if finding.severity != "error":
                continue
            assert finding.message_da in mail and finding.message_en in mail, finding.code
            if finding.field:
                assert finding.field in mail, (finding.code, finding.field)


def test_notices_are_not_sent_twice_and_survive_a_mail_outage(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "samples")
    (tmp_path / "var" / "demo").mkdir(parents=True)
    shutil.copytree(SAMPLES / "inbox", tmp_path / "var" / "demo" / "inbox")
    robot, _ = build_robot(
        tmp_path / "samples" / "fakturarobot.yaml", database_url=f"sqlite:///{tmp_path}/r.db"
    )
    notifier = MemoryNotifier()
    notifier.down = True
    robot.notifier = notifier
    first = robot.run(RunOptions())
    assert first.status == "partial" and first.counts["notices_pending"] > 0 and notifier.sent == []
    notifier.down = False
    second = robot.run(RunOptions())
    third = robot.run(RunOptions())
    robot.store.close()
    assert second.counts["notices_pending"] == 0 and third.status == "ok"
    assert notifier.sent and all(len(v) == 1 for v in notifier.by_key().values())


def test_credit_notes_are_posted_against_the_invoices_they_credit(demo_run: dict[str, Any]) -> None:
    lines = (demo_run["work"] / "var" / "demo" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    by_file = {json.loads(line)["filename"]: json.loads(line) for line in lines if line.strip()}
    credits = [e for e in MANIFEST if e["document_type"] == "credit_note" and e["verdict"] == "post"]
    assert credits
    for entry in credits:
        credited = by_file[entry["related_to"]]
        note = by_file[entry["file"]]
        assert note["documentType"] == "credit_note"
        assert note["appliesToInvoiceNumbers"] == [credited["vendorInvoiceNumber"]], entry["file"]
    assert all(
        by_file[e["file"]]["appliesToInvoiceNumbers"] == []
        for e in MANIFEST
        if e["file"] == "0001-peppol-clean.xml"
    )
