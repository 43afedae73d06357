"""``validate --config`` gives the verdict a run would; ``--standard`` checks one standard's rules;
``validate --json`` error objects carry format and invoice number."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from classifiers.engine import Classifier
from robot.cli.app import _register, app
from robot.configuration.wiring import build_robot
from robot.running.run import RunOptions
from tests.conftest import SAMPLES

_register()
CONFIG = SAMPLES / "fakturarobot.yaml"
MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
INBOX = SAMPLES / "inbox"


def _validate(*args: str) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(app, ["validate", "--json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def run_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str | None, set[str]]]:
    """One real run over a copy of the demo inbox: verdict, customer and error types per file."""
    work = tmp_path_factory.mktemp("run")
    shutil.copytree(SAMPLES, work / "samples")
    (work / "var" / "demo").mkdir(parents=True)
    shutil.copytree(INBOX, work / "var" / "demo" / "inbox")
    robot, _ = build_robot(work / "samples" / "fakturarobot.yaml", database_url=f"sqlite:///{work}/r.db")
    try:
        summary = robot.run(RunOptions(trigger="test"))
        rows = robot.store.invoices_of_run(summary.run_id)
    finally:
        robot.close()
    return {
        r.source_ref: (str(r.verdict), r.customer_id, set((r.error_types or "").split(",")) - {""})
        for r in rows
    }


@pytest.fixture(scope="module")
def validated() -> dict[str, dict[str, Any]]:
    """``validate --config`` over every sample, in the order a run takes them (by name)."""
    files = sorted(str(INBOX / e["file"]) for e in MANIFEST)
    code, rows = _validate("--config", str(CONFIG), *files)
    assert code == 1 and len(rows) == len(files)
    return {Path(r["file"]).name: r for r in rows}


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_validate_with_config_gives_the_runs_verdict(
    entry: dict[str, Any],
    run_verdicts: dict[str, tuple[str, str | None, set[str]]],
    validated: dict[str, Any],
) -> None:
    verdict, customer, error_types = run_verdicts[entry["file"]]
    row = validated[entry["file"]]
    assert (row["verdict"], row["customer"], set(row["error_types"])) == (verdict, customer, error_types), row
    assert verdict == entry["verdict"]


@pytest.mark.parametrize(
    "name",
    [
        "0033-peppol-unknown-ean.xml",
        "0050-peppol-above-auto-post-limit.xml",
        "0046-peppol-unknown-supplier.xml",
    ],
)
def test_validate_with_config_alone_finds_customer_vendor_and_limits(name: str) -> None:
    """The issue's cases: a receiver EAN no customer has (return REC), an amount over the
    customer's auto-post limit (hold) — both said `post` before — and an unknown supplier (hold)."""
    expected = next(e for e in MANIFEST if e["file"] == name)
    code, [row] = _validate("--config", str(CONFIG), str(INBOX / name))
    assert row["verdict"] == expected["verdict"] and expected["reason"] in row["error_types"], row
    assert code == 1


def test_validate_reads_the_sidecar_as_the_folder_source_does(tmp_path: Path) -> None:
    name = "0001-peppol-clean.xml"
    shutil.copy(INBOX / name, tmp_path / name)
    _, [by_ean] = _validate("--config", str(CONFIG), str(tmp_path / name))  # no sidecar: the EAN's customer
    assert by_ean["customer"] == "SFE" and by_ean["verdict"] == "post"
    (tmp_path / f"{name}.meta.json").write_text(json.dumps({"customer": "ITD", "remark": "TIL SAM x"}))
    _, [named] = _validate("--config", str(CONFIG), str(tmp_path / name))
    assert named["customer"] == "ITD"
    (tmp_path / f"{name}.meta.json").write_text('{"customer": 7}')
    code, [bad] = _validate("--config", str(CONFIG), str(tmp_path / name))
    assert bad["verdict"] == "hold" and "meta.json" in bad["error"] and code == 1  # held unread, as a run


def test_validate_without_config_stays_document_level() -> None:
    _, [row] = _validate(str(INBOX / "0050-peppol-above-auto-post-limit.xml"))
    assert row["verdict"] == "post" and row["customer"] is None  # no customer criteria without a config


def _codes(rows: list[dict[str, Any]]) -> list[set[str]]:
    return [{f["code"] for f in r["findings"]} for r in rows]


def test_validate_standard_runs_only_that_standards_rules(tmp_path: Path) -> None:
    from robot.processing.validation import STANDARDS

    line_sum, oio_totals = (
        str(INBOX / "0036-peppol-line-sum-mismatch.xml"),
        str(INBOX / "0037-oioubl-line-sum-mismatch.xml"),
    )
    text = (INBOX / "0029-peppol-missing-person-reference.xml").read_text(encoding="utf-8")
    no_reference = tmp_path / "no-reference.xml"  # neither BT-10 nor BT-13: PEPPOL-EN16931-R003
    no_reference.write_text(
        text.replace(
            "<cac:OrderReference>\n    <cbc:ID>PO-2026-0029</cbc:ID>\n  </cac:OrderReference>\n", ""
        ),
        encoding="utf-8",
    )
    _, en = _validate("--standard", "en16931", line_sum, str(no_reference), oio_totals)
    assert [r["verdict"] for r in en] == ["return", "post", "post"], _codes(en)
    assert {"EN-LINE-SUM"} <= _codes(en)[0]
    _, peppol = _validate("--standard", "peppol", line_sum, str(no_reference), oio_totals)
    assert _codes(peppol)[1] == {"DK-REFERENCE"} and peppol[1]["verdict"] == "return", _codes(peppol)
    _, oio = _validate("--standard", "oioubl", line_sum, oio_totals)
    assert [r["verdict"] for r in oio] == ["post", "return"] and "OIO-TOTALS" in _codes(oio)[1]
    for standard, rows in (("en16931", en), ("peppol", peppol), ("oioubl", oio)):
        for finding in (f for r in rows for f in r["findings"]):
            assert any(i.startswith(STANDARDS[standard]) for i in finding["official_ids"]), (
                standard,
                finding,
            )
    _, everything = _validate(str(no_reference))  # without --standard: every document-level rule
    assert "DK-REFERENCE" in _codes(everything)[0]
    code, _ = _validate("--standard", "nope", line_sum)
    assert code == 2


def test_every_standard_has_rules_and_they_carry_its_ids() -> None:
    from robot.processing.validation import STANDARDS, standard_codes

    rules = Classifier().rules
    for standard, prefixes in STANDARDS.items():
        codes = standard_codes(standard, rules)
        assert codes, standard
        for spec in (s for s in rules if s.code in codes):
            assert any(i.startswith(prefixes) for i in spec.official_ids)


def test_validate_json_error_objects_carry_format_and_invoice_number(tmp_path: Path) -> None:
    text = (INBOX / "0001-peppol-clean.xml").read_text(encoding="utf-8")
    bad_amount = tmp_path / "bad-amount.xml"
    bad_amount.write_text(
        text.replace(
            '<cbc:PayableAmount currencyID="DKK">22650.00</cbc:PayableAmount>',
            '<cbc:PayableAmount currencyID="DKK">22.650,00</cbc:PayableAmount>',
        ),
        encoding="utf-8",
    )
    not_xml = tmp_path / "notes.txt"
    not_xml.write_text("hello", encoding="utf-8")
    code, (amount, junk) = _validate(str(bad_amount), str(not_xml))
    assert code == 1
    assert list(amount)[:4] == ["file", "format", "invoice_number", "verdict"]
    assert amount["format"] == "peppol-bis3" and amount["invoice_number"] == "KL-2026-0264"
    assert "PayableAmount" in amount["error"] and amount["verdict"] == "hold"
    assert junk["format"] is None and junk["invoice_number"] is None and junk["error"]


def test_json_amounts_are_the_documents_decimal_strings(tmp_path: Path) -> None:
    from decimal import Decimal

    from robot.serialize import decimal_text

    result = CliRunner().invoke(app, ["parse", "--json", str(INBOX / "0001-peppol-clean.xml")])
    assert json.loads(result.stdout)["totals"]["payable"] == "22650.00"
    assert decimal_text(Decimal("22650.0000")) == "22650.00"  # as the store reads it back
    assert decimal_text(Decimal("0.1250")) == "0.125" and decimal_text(Decimal("-5.50")) == "-5.50"
