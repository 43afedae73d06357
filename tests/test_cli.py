"""The command line is a contract: JSON keys, exit codes, and every command documented in the README."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from robot.cli.app import _register, app
from tests.conftest import ROOT, SAMPLES, corpora_path

_register()
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_parse_json_puts_file_first_and_reports_non_invoices() -> None:
    folder = corpora_path("oioubl-2.1", "Eksempelfiler")
    code, out = invoke(
        "parse", "--json", str(folder / "OIOUBL_Invoice_v2p2.xml"), str(folder / "OIOUBL_Order_v2p2.xml")
    )
    invoice, order = jsonl(out)
    assert code == 1  # one document could not be read as an invoice
    assert next(iter(invoice)) == "file" and next(iter(order)) == "file"
    assert invoice["format"] == "oioubl-2" and invoice["totals"]["tax_exclusive"] == "5050.00"  # type: ignore[index]
    assert invoice["totals"]["payable"] == "6312.50"  # type: ignore[index]
    assert "Order" in str(order["error"]) and "invoice" in str(order["error"])


def test_parse_reads_every_corpus_invoice(tmp_path: Path) -> None:
    files = [
        *corpora_path("peppol-bis-invoice-3", "rules", "examples").glob("*.xml"),
        *corpora_path("en16931", "ubl", "examples").glob("*"),
        *corpora_path("en16931", "cii", "examples").glob("*.xml"),
        *corpora_path("oioubl-3", "examples", "invoice").glob("*.xml"),
        *corpora_path("oioubl-3", "examples", "creditnote").glob("*.xml"),
    ]
    code, out = invoke("parse", "--json", *map(str, files))
    rows = jsonl(out)
    assert code == 0 and len(rows) == len(files)
    assert all(r["invoice_number"] and r["totals"]["payable"] is not None for r in rows)  # type: ignore[index]


def test_validate_json_keys_and_exit_code() -> None:
    clean = SAMPLES / "inbox" / "0001-peppol-clean.xml"
    broken = SAMPLES / "inbox" / next(p.name for p in (SAMPLES / "inbox").glob("*line-sum*.xml"))
    code, out = invoke("validate", "--json", str(clean), str(broken))
    ok, bad = jsonl(out)
    assert code == 1
    assert list(ok)[:4] == ["file", "format", "invoice_number", "verdict"] and ok["verdict"] == "post"
    assert bad["verdict"] == "return"
    finding = bad["findings"][0]  # type: ignore[index]
    assert set(finding) >= {
        "code",
        "official_ids",
        "severity",
        "disposition",
        "status",
        "reason",
        "action",
        "field",
        "message_da",
        "message_en",
    }


def test_validate_with_customer_applies_criteria() -> None:
    sample = SAMPLES / "inbox" / next(p.name for p in (SAMPLES / "inbox").glob("*til-sam*.xml"))
    meta = json.loads(sample.with_name(sample.name + ".meta.json").read_text(encoding="utf-8"))
    code, out = invoke(
        "validate",
        "--json",
        "--customer",
        meta["customer"],
        "--config",
        str(SAMPLES / "fakturarobot.yaml"),
        str(sample),
    )
    [row] = jsonl(out)
    assert row["verdict"] in ("post", "hold", "return") and code in (0, 1)
    code, _ = invoke(
        "validate", "--customer", "NOPE", "--config", str(SAMPLES / "fakturarobot.yaml"), str(sample)
    )
    assert code == 2


def test_rules_json_lists_every_rule_with_metadata() -> None:
    code, out = invoke("rules", "--json")
    rules = json.loads(out)
    assert code == 0 and len(rules) > 40
    for r in rules:
        assert set(r) >= {
            "code",
            "official_ids",
            "disposition",
            "severity",
            "status",
            "reason",
            "action",
            "field",
            "description",
        }


def test_rule_reference_in_docs_is_current() -> None:
    from robot.cli.rules_cmd import rule_reference

    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rule_reference(), (
        "docs/rules.md is stale: run `fakturarobot rules --markdown > docs/rules.md`"
    )


def test_check_config_accepts_the_samples() -> None:
    code, out = invoke("check-config", "--config", str(SAMPLES / "fakturarobot.yaml"))
    assert code == 0, out


def test_check_config_names_file_line_and_allowed(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "s", ignore=shutil.ignore_patterns("inbox"))
    shutil.copy(ROOT / "schedules.yaml", tmp_path / "schedules.yaml")
    cfg = tmp_path / "s" / "fakturarobot.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("kind: journal", "kind: jornal"), encoding="utf-8")
    customers = tmp_path / "s" / "customers.yaml"
    text = customers.read_text(encoding="utf-8")
    customers.write_text(
        text.replace("  criteria:\n", "  criteria:\n    rules: {NO-SUCH-RULE: {enabled: false}}\n", 1),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check-config", "--config", str(cfg)])
    assert result.exit_code == 2
    assert re.search(
        r"fakturarobot\.yaml:\d+: unknown ledger kind 'jornal'; allowed: business-central, journal",
        result.output,
    ), result.output


def test_check_config_unknown_rule_code(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "s", ignore=shutil.ignore_patterns("inbox"))
    shutil.copy(ROOT / "schedules.yaml", tmp_path / "schedules.yaml")
    customers = tmp_path / "s" / "customers.yaml"
    text = customers.read_text(encoding="utf-8")
    customers.write_text(
        text.replace("  criteria:\n", "  criteria:\n    rules: {NO-SUCH-RULE: {enabled: false}}\n", 1),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check-config", "--config", str(tmp_path / "s" / "fakturarobot.yaml")])
    assert result.exit_code == 2
    assert re.search(r"customers\.yaml:\d+: customer '\w+': unknown rule code 'NO-SUCH-RULE'", result.output)


def test_demo_runs_and_show_tells_the_journey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLES, tmp_path / "samples")
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    code, out = invoke("demo", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["status"] == "ok" and summary["counts"]["posted"] > 0
    db = f"sqlite:///{tmp_path}/var/demo/fakturarobot.db"
    code, out = invoke("show", "1", "--json", "--database", db)
    journey = jsonl(out)[0]
    assert code == 0 and [e["kind"] for e in journey["events"]][:3] == ["received", "read", "classified"]
    code, out = invoke("runs", "--json", "--database", db)
    assert code == 0 and jsonl(out)[0]["status"] == "ok"


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert f"fakturarobot {name.replace('_', '-')}" in readme, f"command {name} is not documented"


EVIL_SUPPLIER = "Evil [/bold] [link=http://x]A/S"
EVIL_FILE = "kontorland\x1b[31m-faktura.xml"


def _evil_store(tmp_path: Path) -> tuple[str, Path]:
    """A store holding the unknown-supplier sample, its supplier renamed and its file name carrying
    an escape sequence; and that document as a file of that name."""
    from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
    from robot.processing.context import MasterData
    from robot.running.run import Robot, RunOptions
    from robot.store.repo import Store

    sample = SAMPLES / "inbox" / "0046-peppol-unknown-supplier.xml"
    content = sample.read_bytes().replace(b"Kontorland ApS", EVIL_SUPPLIER.encode())
    meta = json.loads(sample.with_name(sample.name + ".meta.json").read_text(encoding="utf-8"))
    source = MemorySource()
    source.add(EVIL_FILE, content, meta)
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    url = f"sqlite:///{tmp_path}/evil.db"
    robot = Robot(Store.open(url), master, source=source, ledger=MemoryLedger(), notifier=MemoryNotifier())
    try:
        summary = robot.run(RunOptions())
    finally:
        robot.close()
    assert summary.counts["held"] == 1
    path = tmp_path / EVIL_FILE
    path.write_bytes(content)
    return url, path


def _literal(out: str) -> None:
    assert "\x1b" not in out  # no escape sequence reaches the terminal
    assert "\\x1b[31m" in out  # the file name is shown, the ESC as a visible escape


def test_held_and_show_print_supplier_text_literally(tmp_path: Path) -> None:
    url, _ = _evil_store(tmp_path)
    wide = {"COLUMNS": "300"}
    held = runner.invoke(app, ["held", "--database", url], env=wide)
    assert held.exception is None and held.exit_code == 0, held.output
    assert EVIL_SUPPLIER in held.stdout and "\x1b" not in held.stdout
    shown = runner.invoke(app, ["show", "1", "--database", url], env=wide)
    assert shown.exception is None and shown.exit_code == 0, shown.output
    assert EVIL_SUPPLIER in shown.stdout
    _literal(shown.stdout)
    # the supplier's text in JSON is data, unchanged
    code, out = invoke("held", "--json", "--database", url)
    assert code == 0 and jsonl(out)[0]["supplier"] == EVIL_SUPPLIER


def test_parse_validate_and_the_run_summary_print_document_text_literally(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from robot.cli.summary import print_summary
    from robot.running.run_report import RunSummary
    from robot.store.repo import Store

    url, path = _evil_store(tmp_path)
    wide = {"COLUMNS": "300"}
    parsed = runner.invoke(app, ["parse", str(path)], env=wide)
    assert parsed.exception is None and parsed.exit_code == 0, parsed.output
    assert EVIL_SUPPLIER in parsed.stdout
    _literal(parsed.stdout)
    validated = runner.invoke(app, ["validate", str(path)], env=wide)
    assert validated.exception is None and validated.exit_code in (0, 1), validated.output
    _literal(validated.stdout)
    store = Store.open(url)
    try:
        [row] = store.recent_runs(1)
    finally:
        store.close()
    assert row.finished_at is not None
    summary = RunSummary(row.id, row.status, row.started_at, row.finished_at, row.counts, (EVIL_SUPPLIER,))
    console = Console(file=io.StringIO(), width=300, force_terminal=True)
    print_summary(console, summary, details_db=url)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert f"problem: {EVIL_SUPPLIER}" in re.sub(r"\x1b\[[0-9;]*m", "", out)  # Rich's own colours aside
    assert "\\x1b[31m" in out and "\x1b[31m-faktura" not in out
