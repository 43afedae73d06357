"""``fakturarobot bank parse [--json] FILE...``: one JSON object per file, key ``file`` first.

The command is called through its own module (robot.cli.bank_cmd.bank in a Typer app of its own),
so these tests do not depend on its registration in robot/cli/app.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from robot.cli import bank_cmd
from tests.support.bankfiles import camt053, camt054, entry, pain002, payment, status, tx

app = typer.Typer()
app.command()(bank_cmd.bank)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_json_of_a_camt054_is_exactly_the_issues_shape(tmp_path: Path) -> None:
    content = camt054(
        "08",
        [
            entry(
                "DBIT",
                "1250.00",
                [
                    tx(
                        amount="1250.00",
                        end_to_end_id="E2E-1",
                        creditor_reference="RF18539007547034",
                        referred_documents=[("F-100", None)],
                        ustrd=["Faktura F-100"],
                        creditor_name="Kontorhuset A/S",
                        creditor_iban="DK9600400440116243",
                    )
                ],
                value_date="2026-12-02",
            )
        ],
    )
    path = _write(tmp_path, "ntf.xml", content)
    code, out, _ = _run("parse", "--json", path)
    assert code == 0
    (line,) = out.splitlines()
    data = json.loads(line)
    assert list(data) == ["file", "message", "entries"]
    assert data == {
        "file": path,
        "message": "camt.054.001.08",
        "entries": [
            {
                "direction": "debit",
                "amount": "1250.00",
                "currency": "DKK",
                "booking_date": "2026-12-01",
                "value_date": "2026-12-02",
                "bank_reference": "BANKREF-1",
                "transactions": [
                    {
                        "amount": "1250.00",
                        "end_to_end_id": "E2E-1",
                        "creditor_reference": "RF18539007547034",
                        "referred_document_number": "F-100",
                        "remittance_text": "Faktura F-100",
                        "counterparty_name": "Kontorhuset A/S",
                        "counterparty_account": "DK9600400440116243",
                        "currency": "DKK",
                        "exchange": None,
                    }
                ],
                "reversal": False,
                "status": "BOOK",
            }
        ],
    }
    issue_keys = [
        "direction",
        "amount",
        "currency",
        "booking_date",
        "value_date",
        "bank_reference",
        "transactions",
    ]
    assert list(data["entries"][0])[: len(issue_keys)] == issue_keys


def test_json_of_a_pain002_lists_statuses(tmp_path: Path) -> None:
    content = pain002(
        "10", group_status="PART", payments=[payment("P-1", None, [status("E2E-2", "RJCT", "AC04")])]
    )
    code, out, _ = _run("parse", "--json", _write(tmp_path, "sts.xml", content))
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["file", "message", "statuses"] and data["message"] == "pain.002.001.10"
    group, rejected = data["statuses"]
    assert (group["original_end_to_end_id"], group["status"], group["reason"]) == (None, "PART", None)
    assert list(rejected)[:3] == ["original_end_to_end_id", "status", "reason"]
    assert (rejected["original_end_to_end_id"], rejected["status"], rejected["reason"]) == (
        "E2E-2",
        "RJCT",
        "AC04",
    )


def test_an_unreadable_file_is_an_error_object_among_the_others_and_exit_1(tmp_path: Path) -> None:
    good = _write(tmp_path, "a.xml", camt053("02", [entry("CRDT", "5.00")]))
    bad = _write(tmp_path, "b.xml", camt054("02", []).replace(b"camt.054.001.02", b"camt.054.001.99"))
    junk = _write(tmp_path, "c.xml", b"\x00\xff not xml")
    code, out, _ = _run("parse", "--json", good, bad, junk)
    assert code == 1
    first, second, third = (json.loads(line) for line in out.splitlines())
    assert first["message"] == "camt.053.001.02"
    assert list(second)[:2] == ["file", "error"] and second["file"] == bad
    assert second["error"].startswith(f"{bad}: Document: camt.054.001.99 is a version")
    assert second["element"] == "Document"
    assert third["file"] == junk and third["element"] == "XML" and "not well-formed" in third["error"]


def test_the_terminal_output_shows_entries_and_escapes_hostile_text(tmp_path: Path) -> None:
    evil = tx(amount="10.00", end_to_end_id="E2E-\x9b31m", creditor_name="Evil\u202eA/S", ustrd=["Faktura 7"])
    path = _write(tmp_path, "ntf.xml", camt054("02", [entry("CRDT", "10.00", [evil], reversal=True)]))
    code, out, _ = _run("parse", path)
    assert code == 0
    assert "camt.054.001.02  1 entries" in out and "credit" in out and "reversal" in out
    assert "Faktura 7" in out and "\x9b" not in out and "\u202e" not in out
    assert "\\x9b31m" in out and "\\u202e" in out


def test_terminal_output_of_statuses_and_errors(tmp_path: Path) -> None:
    sts = _write(
        tmp_path, "sts.xml", pain002("03", payments=[payment("P", None, [status("E2E-9", "RJCT", "AM04")])])
    )
    bad = _write(tmp_path, "bad.xml", b"<Document/>")
    code, out, _ = _run("parse", sts, bad)
    assert code == 1
    assert "E2E-9  RJCT AM04" in out
    assert f"{bad}: Document: the root element is Document in no namespace" in out


@pytest.mark.parametrize("args", [["export", "x.xml"], ["parse", "missing.xml"], ["parse"]])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    if args[0] == "export":
        args = [args[0], _write(tmp_path, "x.xml", b"<x/>")]
    code, _, err = _run(*args)
    assert code == 2
    assert "unknown action 'export'" in err or "does not exist" in err or "needs at least one FILE" in err


PROBE = """
import json, sys
from pathlib import Path
import typer
from robot.cli import bank_cmd
try:
    bank_cmd.bank("parse", [Path(sys.argv[1])], True)
except typer.Exit as exc:
    code = exc.exit_code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def test_bank_parse_json_loads_no_store_console_or_logging(tmp_path: Path) -> None:
    path = _write(tmp_path, "ntf.xml", camt054("02", [entry("DBIT", "1.00", [tx()])]))
    done = subprocess.run([sys.executable, "-c", PROBE, path], capture_output=True, text=True, check=False)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["exit"] == 0 and json.loads(done.stdout)["message"] == "camt.054.001.02"
    heavy = ("rich", "loguru", "sqlalchemy", "robot.store", "connectors")
    assert [m for m in report["modules"] if m.split(".")[0] in heavy or m.startswith("robot.store")] == []
