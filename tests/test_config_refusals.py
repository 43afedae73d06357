"""``check-config`` refuses what the configuration must not say, each error with file:line and a hint.

Unquoted numbers where identifiers are expected (YAML 1.1 reads ``0001234567`` as the octal number
342391, ``5798000416604`` as an integer) and limits that make no sense (``auto_post_limit: -5``).
Each case edits one line of a copy of the samples and expects exit 2 naming that file and line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from robot.cli.app import _register, app
from tests.conftest import ROOT, SAMPLES

_register()
runner = CliRunner()


def samples_copy(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "s", ignore=shutil.ignore_patterns("inbox"))
    shutil.copy(ROOT / "schedules.yaml", tmp_path / "schedules.yaml")
    return tmp_path / "s"


def edit(file: Path, old: str, new: str) -> int:
    """Replace the first ``old`` by ``new``; the 1-based line where ``new`` starts."""
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file.name}"
    at = text.index(old)
    file.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text[:at].count("\n") + 1


def check_config(folder: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["check-config", "--config", str(folder / "fakturarobot.yaml")])
    return result.exit_code, result.output


def assert_refused(folder: Path, name: str, line: int, *needles: str) -> str:
    code, out = check_config(folder)
    assert code == 2, out
    pattern = re.escape(f"{folder / name}:{line}: ")
    match = re.search(pattern + r"[^\n]*", out)
    assert match, f"no error at {name}:{line} in:\n{out}"
    for needle in needles:
        assert needle in match.group(0), f"{needle!r} not in {match.group(0)!r}"
    return match.group(0)


def test_the_samples_pass(tmp_path: Path) -> None:
    code, out = check_config(samples_copy(tmp_path))
    assert code == 0, out


# --- numbers where identifiers are expected ---------------------------------------------------


def test_an_unquoted_bank_account_with_leading_zeros_is_refused_with_a_quoting_hint(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "vendors.yaml", "bank_account: 0003458721", "bank_account: 0001234567")
    message = assert_refused(
        folder,
        "vendors.yaml",
        line,
        'quote it: bank_account: "0001234567"',
        "342391",
        "vendors.0.bank_account",
    )
    assert "found 342391" not in message  # the number YAML made of it is explained, not shown as the value


VENDOR_FIELDS = [
    ("cvr: '91200015'", "cvr: 91200015", "91200015"),
    ("endpoint_id: '5790000991006'", "endpoint_id: 5790000991006", "5790000991006"),
    ("bank_reg: '1551'", "bank_reg: 0400", "0400"),  # octal: 256
    ("fik_creditor: '85123456'", "fik_creditor: 85123456", "85123456"),
    ("number: K10001", "number: 10001", "10001"),
]


@pytest.mark.parametrize(
    ("old", "new", "value"), VENDOR_FIELDS, ids=[f[0].split(":")[0] for f in VENDOR_FIELDS]
)
def test_vendor_identifiers_must_be_quoted(tmp_path: Path, old: str, new: str, value: str) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "vendors.yaml", old, new)
    key = new.split(":")[0]
    assert_refused(folder, "vendors.yaml", line, f'quote it: {key}: "{value}"', "read by YAML as the number")


def test_a_giro_account_added_unquoted_is_refused(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "vendors.yaml", "giro_account: null", "giro_account: 01234567")
    assert_refused(folder, "vendors.yaml", line, 'quote it: giro_account: "01234567"', "number 342391")


CUSTOMER_FIELDS = [
    ("- '5798000999015'", "- 5798000999015", 'quote it: "5798000999015"'),  # an EAN in a list
    ("- '91200015'", "- 91200015", 'quote it: "91200015"'),  # a CVR in supplier_allow_list
    ("- id: SFE", "- id: 0042", 'quote it: id: "0042"'),
    ("name: Styrelsen for Eksempler", "name: no", 'quote it: name: "no"'),  # YAML 1.1: false
]


@pytest.mark.parametrize(("old", "new", "hint"), CUSTOMER_FIELDS, ids=["ean", "cvr", "id", "name"])
def test_customer_identifiers_must_be_quoted(tmp_path: Path, old: str, new: str, hint: str) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "customers.yaml", old, new)
    assert_refused(folder, "customers.yaml", line, hint, "read by YAML as")


ORDER_FIELDS = [
    ("number: PO-2026-0001", "number: 4500012345", 'quote it: number: "4500012345"'),
    ("vendor_cvr: '91200015'", "vendor_cvr: 91200015", 'quote it: vendor_cvr: "91200015"'),
    ("customer_id: SFE", "customer_id: 007", 'quote it: customer_id: "007"'),
    ("line_id: '1'", "line_id: 1", 'quote it: line_id: "1"'),
    ("item_id: KL-100", "item_id: 0100", 'quote it: item_id: "0100"'),
]


@pytest.mark.parametrize(("old", "new", "hint"), ORDER_FIELDS, ids=[f[0].split(":")[0] for f in ORDER_FIELDS])
def test_order_identifiers_must_be_quoted(tmp_path: Path, old: str, new: str, hint: str) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "orders.yaml", old, new)
    assert_refused(folder, "orders.yaml", line, hint)


def test_the_responders_gln_must_be_quoted(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "fakturarobot.yaml", 'endpoint_id: "5798000012349"', "endpoint_id: 5798000012349")
    assert_refused(folder, "fakturarobot.yaml", line, 'quote it: endpoint_id: "5798000012349"')


def test_the_responders_scheme_must_be_a_quoted_four_digit_code(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "fakturarobot.yaml", 'endpoint_scheme: "0088"', "endpoint_scheme: 0007")
    assert_refused(folder, "fakturarobot.yaml", line, 'quote it: endpoint_scheme: "0007"', "number 7")
    edit(folder / "fakturarobot.yaml", "endpoint_scheme: 0007", 'endpoint_scheme: "88"')
    assert_refused(folder, "fakturarobot.yaml", line, "4-digit", "0088")


def test_the_responders_gln_must_have_a_valid_check_digit(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "fakturarobot.yaml", 'endpoint_id: "5798000012349"', 'endpoint_id: "5798000012348"')
    assert_refused(folder, "fakturarobot.yaml", line, "responder.endpoint_id", "check digit")


def test_a_connector_identifier_must_be_quoted(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(
        folder / "fakturarobot.yaml",
        "ledger:\n  kind: journal\n  path: ../var/demo/ledger.jsonl\n",
        "ledger:\n  kind: business-central\n  base_url: http://127.0.0.1:1/api/v2.0\n"
        "  auth: {type: bearer}\n  company_id: 0123\n",
    )
    assert_refused(
        folder, "fakturarobot.yaml", line + 4, 'quote it: company_id: "0123"', "business-central", "number 83"
    )


# --- limits that make no sense -----------------------------------------------------------------


def test_a_negative_auto_post_limit_is_refused(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "customers.yaml", "auto_post_limit: '100000'", "auto_post_limit: -5")
    assert_refused(
        folder, "customers.yaml", line, "customers.0.criteria.auto_post_limit", "greater than 0", "-5"
    )


def test_a_zero_auto_post_limit_is_refused_not_guessed_as_no_limit(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "customers.yaml", "auto_post_limit: '250000'", "auto_post_limit: 0")
    assert_refused(folder, "customers.yaml", line, "auto_post_limit", "leave the key out for no limit")


@pytest.mark.parametrize("field", ["percent", "absolute"])
def test_a_negative_order_tolerance_is_refused(tmp_path: Path, field: str) -> None:
    folder = samples_copy(tmp_path)
    old = {"percent": "percent: '2'", "absolute": "absolute: '100'"}[field]
    line = edit(folder / "customers.yaml", old, f"{field}: '-1'")
    assert_refused(folder, "customers.yaml", line, f"order_tolerance.{field}", "cannot be negative")


@pytest.mark.parametrize("days", ["0", "-30"])
def test_max_payment_days_must_be_positive(tmp_path: Path, days: str) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "customers.yaml", "max_payment_days: 30", f"max_payment_days: {days}")
    assert_refused(folder, "customers.yaml", line, "max_payment_days", "at least 1")


def test_max_attempts_must_be_positive(tmp_path: Path) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "fakturarobot.yaml", "responder:", "max_attempts: 0\nresponder:")
    assert_refused(folder, "fakturarobot.yaml", line, "max_attempts")


@pytest.mark.parametrize("rate", ["-0.1", "1.5"])
def test_the_alert_exception_rate_is_a_fraction(tmp_path: Path, rate: str) -> None:
    folder = samples_copy(tmp_path)
    line = edit(folder / "fakturarobot.yaml", "exception_rate: 0.2", f"exception_rate: {rate}")
    assert_refused(folder, "fakturarobot.yaml", line, "alerts.exception_rate")
