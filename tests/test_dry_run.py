"""A dry run has no side effect: nothing leaves the source, nothing is posted, returned, notified or
stored but the run record, and it tells per invoice what a run would do; a later real run decides
and posts every invoice exactly once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.cli.app import _register, app
from robot.configuration.wiring import build_robot, load_master
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, InvoiceState
from tests.conftest import SAMPLES

_register()
MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
VERDICT = {e["file"]: e["verdict"] for e in MANIFEST}


def _demo(tmp_path: Path) -> tuple[Path, Path, str]:
    """A copy of samples/ (configuration alongside) and its inbox, as `make demo` lays them out."""
    shutil.copytree(SAMPLES, tmp_path / "samples")
    (tmp_path / "var" / "demo").mkdir(parents=True)
    inbox = tmp_path / "var" / "demo" / "inbox"
    shutil.copytree(SAMPLES / "inbox", inbox)
    return tmp_path / "samples" / "fakturarobot.yaml", inbox, f"sqlite:///{tmp_path}/robot.db"


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _cli(*args: str, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"FAKTURAROBOT_DATABASE_URL": url, "COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def test_dry_run_on_the_demo_inbox_leaves_every_file_and_prints_a_verdict_per_invoice(tmp_path: Path) -> None:
    config, inbox, url = _demo(tmp_path)
    before = _files(inbox)
    code, out = _cli("run", "--dry-run", "--config", str(config), url=url)
    assert _files(inbox) == before and not (inbox / ".done").exists()
    assert not (tmp_path / "var" / "demo" / "ledger.jsonl").exists()
    assert not list((tmp_path / "var" / "demo").glob("outbox/*.eml"))
    lines = {line.split()[2]: line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert lines == VERDICT, out
    assert "processed 0" not in out and "pending" not in out
    assert code == 1  # some invoices would be returned or held: what it found, not "pending"


def test_dry_run_json_has_each_invoice_with_verdict_error_types_and_findings(tmp_path: Path) -> None:
    config, _, url = _demo(tmp_path)
    code, out = _cli("run", "--dry-run", "--json", "--config", str(config), url=url)
    summary = json.loads(out)
    assert summary["dry_run"] is True and summary["status"] == "ok" and code == 1
    invoices = {i["file"]: i for i in summary["invoices"]}
    assert {ref: i["verdict"] for ref, i in invoices.items()} == VERDICT
    for entry in MANIFEST:
        item = invoices[entry["file"]]
        if entry["reason"]:
            assert entry["reason"] in item["error_types"], item
        blocking = [f for f in item["findings"] if f["severity"] == "error"]
        assert bool(blocking) == (entry["verdict"] != "post"), item
        assert item["customer"] == entry["customer"], item
    assert invoices["0001-peppol-clean.xml"]["payable"] == "22650.00"
    would = summary["counts"]["would"]
    assert (would["post"], would["return"], would["hold"]) == tuple(
        sum(1 for e in MANIFEST if e["verdict"] == v) for v in ("post", "return", "hold")
    )
    assert summary["counts"]["posted"] == summary["counts"]["returned"] == summary["counts"]["held"] == 0


def _one_invoice_inbox(tmp_path: Path, name: str) -> tuple[Path, str]:
    config, inbox, url = _demo(tmp_path)
    for path in inbox.iterdir():
        if not path.name.startswith(name):
            path.unlink()
    return config, url


@pytest.mark.parametrize(
    ("name", "expected"), [("0001-peppol-clean.xml", 0), ("0033-peppol-unknown-ean.xml", 1)]
)
def test_dry_run_exit_code_reflects_what_it_found(tmp_path: Path, name: str, expected: int) -> None:
    config, url = _one_invoice_inbox(tmp_path, name)
    code, out = _cli("run", "--dry-run", "--config", str(config), url=url)
    assert code == expected, out


def _invoice_events(store: Store) -> int:
    with store.sessions() as s:
        return int(
            s.scalar(select(func.count()).select_from(Event).where(Event.invoice_id.is_not(None))) or 0
        )


def test_dry_run_then_real_run_decides_and_posts_every_invoice_exactly_once(tmp_path: Path) -> None:
    config, inbox, url = _demo(tmp_path)
    before = _files(inbox)
    robot, _ = build_robot(config, database_url=url)
    try:
        dry = robot.run(RunOptions(trigger="test", dry_run=True))
        again = robot.run(RunOptions(trigger="test", dry_run=True))  # the same again: nothing was kept
        assert [i["verdict"] for i in again.invoices] == [i["verdict"] for i in dry.invoices]
        assert _files(inbox) == before
        with robot.store.sessions() as s:
            assert s.scalar(select(func.count()).select_from(InvoiceRow)) == 0  # only run records
        assert _invoice_events(robot.store) == 0
        real = robot.run(RunOptions(trigger="test"))
        rows = {r.source_ref: r for r in robot.store.invoices_of_run(real.run_id)}
        expected = {"post": InvoiceState.POSTED, "return": InvoiceState.RETURNED, "hold": InvoiceState.HELD}
        assert {ref: r.state for ref, r in rows.items()} == {ref: expected[v] for ref, v in VERDICT.items()}
        assert real.status == "ok" and real.counts["pending"] == 0
        assert {i["file"]: i["verdict"] for i in dry.invoices} == VERDICT
        after = robot.run(RunOptions(trigger="test", dry_run=True))  # the inbox is empty now
        assert after.invoices == ()
    finally:
        robot.close()
    ledger = (tmp_path / "var" / "demo" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    keys = [json.loads(line)["idempotency_key"] for line in ledger if line.strip()]
    assert len(keys) == len(set(keys)) == list(VERDICT.values()).count("post")
    assert [n for n in _files(inbox) if not n.startswith(".") and not n.endswith(".meta.json")] == []
    code, out = _cli("show", "0001-peppol-clean.xml", "--json", "--database", url, url=url)
    assert code == 0 and json.loads(out.splitlines()[0])["payable"] == "22650.00"  # not the store's .0000
    assert sorted(p.name for p in (inbox / ".done").iterdir() if not p.name.endswith(".meta.json")) == sorted(
        VERDICT
    )


def _memory_robot(tmp_path: Path) -> tuple[Robot, MemorySource, MemoryLedger, MemoryNotifier]:
    from robot.configuration.settings import load_config

    master = load_master(load_config(SAMPLES / "fakturarobot.yaml"))
    source, ledger, notifier = MemorySource(), MemoryLedger(), MemoryNotifier()
    for name in (
        "0001-peppol-clean.xml",
        "0029-peppol-missing-person-reference.xml",
        "0041-peppol-duplicate.xml",
    ):
        meta = json.loads((SAMPLES / "inbox" / f"{name}.meta.json").read_text(encoding="utf-8"))
        source.add(name, (SAMPLES / "inbox" / name).read_bytes(), meta)
    store = Store.open(f"sqlite:///{tmp_path}/m.db")
    return Robot(store, master, source=source, ledger=ledger, notifier=notifier), source, ledger, notifier


def test_dry_run_acknowledges_writes_back_posts_and_notifies_nothing(tmp_path: Path) -> None:
    robot, source, ledger, notifier = _memory_robot(tmp_path)
    try:
        summary = robot.run(RunOptions(trigger="test", dry_run=True))
        verdicts = {i["file"]: i["verdict"] for i in summary.invoices}
        # the duplicate is caught against the invoice before it in the same dry run, as a run would
        assert verdicts == {
            "0001-peppol-clean.xml": "post",
            "0029-peppol-missing-person-reference.xml": "return",
            "0041-peppol-duplicate.xml": "return",
        }
        assert source.acknowledged == [] and source.outcomes == []
        assert ledger.post_calls == ledger.find_calls == 0 and notifier.calls == 0
        real = robot.run(RunOptions(trigger="test"))
        assert (real.counts["posted"], real.counts["returned"]) == (1, 2)
        assert sorted(source.acknowledged) == sorted(verdicts) and ledger.post_calls == 1
    finally:
        robot.close()


def test_dry_run_shows_stored_pending_invoices_without_touching_them(tmp_path: Path) -> None:
    """Invoices stored by a run that stopped after fetching are decided in memory, left as they are."""
    robot, _, _, _ = _memory_robot(tmp_path)
    try:
        stopped = RunOptions(trigger="test")
        stopped.stop.set()  # fetches and stores, then stops before processing
        robot.run(stopped)
        pending = robot.store.pending_ids()
        assert len(pending) == 3
        events = _invoice_events(robot.store)
        summary: Any = robot.run(RunOptions(trigger="test", dry_run=True))
        assert [i["invoice_id"] for i in summary.invoices] == pending
        assert [i["verdict"] for i in summary.invoices] == ["post", "return", "return"]
        assert robot.store.pending_ids() == pending and _invoice_events(robot.store) == events
        assert {robot.store.invoice(i).state for i in pending} == {InvoiceState.RECEIVED}
    finally:
        robot.close()
