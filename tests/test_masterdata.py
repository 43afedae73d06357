"""Master-data loaders: the samples load; bad files fail with the file, the line and what is allowed."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from classifiers.api import PurchaseOrder, Vendor
from robot.configuration.masterdata import cvr_warnings, load_customers, load_orders, load_vendors
from robot.configuration.yamlconf import load_yaml_model
from robot.errors import ConfigError, ConfigErrors
from tests.conftest import SAMPLES

VENDOR = """\
vendors:
  - number: "K10001"
    name: "Kontorland A/S"
    cvr: "91200015"
    endpoint_id: "5790000991006"
    bank_reg: "1551"
    bank_account: "0003458721"
    iban: null
    fik_creditor: "87654321"
    giro_account: null
    nemkonto: false
    blocked: false
"""
ORDER = """\
orders:
  - number: "PO-2026-0001"
    customer_id: "SAM"
    vendor_cvr: "91200015"
    amount: "12400.00"
    currency: DKK
    lines: [{line_id: "1", quantity: "10", price: "1240.00", item_id: "A-100", description: "Kontorstol"}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


SFE = """\
customers:
  - id: SFE
    name: Styrelsen for Eksempler
"""


def customers_yaml(tmp_path: Path, rest: str) -> Path:
    """A customers.yaml with one customer, SFE; ``rest`` (dedented): its keys from line 4 on."""
    return write(tmp_path, "customers.yaml", SFE + textwrap.indent(textwrap.dedent(rest), "    "))


def error_of(func: object, path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        func(path)  # type: ignore[operator]
    assert info.value.file == str(path)
    return info.value


def test_samples_load() -> None:
    vendors = load_vendors(SAMPLES / "vendors.yaml")
    orders = load_orders(SAMPLES / "orders.yaml")
    customers = load_customers(SAMPLES / "customers.yaml")
    assert all(isinstance(v, Vendor) for v in vendors)
    assert all(isinstance(o, PurchaseOrder) for o in orders.values())
    assert [c.id for c in customers.customers] == ["SFE", "ITD", "MFP", "EKU"]
    assert next(v for v in vendors if v.number == "K10001").name == "Kontorland A/S"
    assert orders["PO-2026-0001"].amount == sum(
        (line.quantity * line.price for line in orders["PO-2026-0001"].lines), Decimal("0")
    )
    assert customers.customers[1].criteria.order_tolerance.percent == Decimal("2")


def test_documented_formats_load(tmp_path: Path) -> None:
    (vendor,) = load_vendors(write(tmp_path, "vendors.yaml", VENDOR))
    assert vendor == Vendor(
        number="K10001", name="Kontorland A/S", cvr="91200015", endpoint_id="5790000991006",
        bank_reg="1551", bank_account="0003458721", fik_creditor="87654321",
    )  # fmt: skip
    order = load_orders(write(tmp_path, "orders.yaml", ORDER))["PO-2026-0001"]
    assert order.amount == Decimal("12400.00") and order.lines[0].quantity == Decimal("10")
    assert order.lines[0].description == "Kontorstol"


def test_unknown_key_names_line_and_allowed_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "vendors.yaml",
        VENDOR.replace("    blocked: false\n", "    blocked: false\n    colour: red\n"),
    )
    err = error_of(load_vendors, path)
    assert err.line == 13
    assert "unknown key 'colour'" in err.message
    assert "allowed: bank_account, bank_reg, blocked, cvr, endpoint_id" in err.message
    assert err.message.startswith(f"{path}:13: ")


def test_unknown_key_in_nested_customer_criteria(tmp_path: Path) -> None:
    path = customers_yaml(
        tmp_path,
        """\
        eans: ["5798000999015"]
        criteria:
          reference: person
          auto_post_limmit: "100000"
        """,
    )
    err = error_of(load_customers, path)
    assert err.line == 7
    assert "unknown key 'auto_post_limmit'" in err.message and "auto_post_limit" in err.message


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ('cvr: "91200015"', 'cvr: "9120001"', 4, "CVR number must be 8 digits"),
        ('cvr: "91200015"', 'cvr: "DK9120001X"', 4, "CVR number must be 8 digits"),
        ('endpoint_id: "5790000991006"', 'endpoint_id: "5790000991005"', 5, "GLN check digit is wrong"),
        ('endpoint_id: "5790000991006"', 'endpoint_id: "579000099100"', 5, "GLN must be 13 digits"),
        ('bank_reg: "1551"', 'bank_reg: "15511"', 6, "bank reg. no. must be 1–4 digits"),
        ('bank_account: "0003458721"', 'bank_account: "00034587210"', 7, "bank account must be 1–10 digits"),
        ("iban: null", 'iban: "DK5000400440116244"', 8, "IBAN is not valid"),
        ('fik_creditor: "87654321"', 'fik_creditor: "8765432"', 9, "FIK creditor must be 8 digits"),
        ("nemkonto: false", "nemkonto: maybe", 11, "valid boolean"),
    ],
)
def test_bad_vendor_values(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    err = error_of(load_vendors, write(tmp_path, "vendors.yaml", VENDOR.replace(old, new)))
    assert err.line == line
    assert words in err.message


def test_bad_amount_and_currency(tmp_path: Path) -> None:
    err = error_of(load_orders, write(tmp_path, "orders.yaml", ORDER.replace('"12400.00"', '"12.400,00"')))
    assert err.line == 5 and "orders.0.amount" in err.message and "'12.400,00'" in err.message
    err = error_of(load_orders, write(tmp_path, "orders.yaml", ORDER.replace("DKK", "kroner")))
    assert err.line == 6 and "currency" in err.message


def test_order_lines_must_sum_to_amount(tmp_path: Path) -> None:
    err = error_of(load_orders, write(tmp_path, "orders.yaml", ORDER.replace('"12400.00"', '"12500.00"')))
    assert err.line == 5
    assert "differs from the sum of its lines 12400.00" in err.message


def test_duplicates_are_reported_with_both_places(tmp_path: Path) -> None:
    twice = VENDOR + VENDOR.split("\n", 1)[1]
    err = error_of(load_vendors, write(tmp_path, "vendors.yaml", twice))
    assert isinstance(err, ConfigErrors)
    assert [(e.line, e.message.split(": ", 1)[1]) for e in err.errors] == [
        (13, "duplicate vendor number 'K10001' (first at vendors.0.number)"),
        (15, "duplicate CVR '91200015' (first at vendors.0.cvr)"),
    ]
    orders = ORDER + ORDER.split("\n", 1)[1]
    err = error_of(load_orders, write(tmp_path, "orders.yaml", orders))
    assert err.line == 8 and "duplicate order number 'PO-2026-0001'" in err.message


def test_several_errors_are_reported_together(tmp_path: Path) -> None:
    text = VENDOR.replace('cvr: "91200015"', 'cvr: "123"').replace('bank_reg: "1551"', 'bank_reg: "x"')
    err = error_of(load_vendors, write(tmp_path, "vendors.yaml", text))
    assert isinstance(err, ConfigErrors)
    assert [e.line for e in err.errors] == [4, 6]
    assert err.line == 4
    assert str(err).startswith("2 errors: ")


def test_customer_ean_check_digit(tmp_path: Path) -> None:
    path = customers_yaml(
        tmp_path,
        """\
        eans:
          - "5798000999015"
          - "5798000999016"
        """,
    )
    err = error_of(load_customers, path)
    assert err.line == 6 and "GLN check digit is wrong" in err.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("vendors:\n  - number: 'K1\n    name: x\n", 2),
        ("vendors:\n  - number: K1\n   name: x\n", 3),
        ("vendors: [\n", 2),
    ],
)
def test_yaml_syntax_errors_name_the_line(tmp_path: Path, text: str, line: int) -> None:
    err = error_of(load_vendors, write(tmp_path, "vendors.yaml", text))
    assert "YAML syntax error" in err.message
    assert err.line == line


def test_missing_and_empty_files(tmp_path: Path) -> None:
    assert "cannot read file" in error_of(load_orders, tmp_path / "absent.yaml").message
    assert "file is empty" in error_of(load_orders, write(tmp_path, "orders.yaml", "# nothing\n")).message
    err = error_of(load_orders, write(tmp_path, "orders.yaml", "orders:\n  - number: PO-1\n"))
    assert err.line == 2 and "missing required key 'customer_id' in orders.0" in str(err)


def test_cvr_modulus_11_is_only_a_warning(tmp_path: Path) -> None:
    (vendor,) = load_vendors(write(tmp_path, "vendors.yaml", VENDOR.replace("91200015", "91200016")))
    assert vendor.cvr == "91200016"
    assert cvr_warnings([vendor]) == ["vendor K10001: CVR 91200016 fails the modulus-11 check"]


def test_generic_loader_with_a_plain_model(tmp_path: Path) -> None:
    class Limits(BaseModel):
        model_config = ConfigDict(extra="forbid")
        limit: int = 0

    assert load_yaml_model(write(tmp_path, "limits.yaml", "limit: 5\n"), Limits).limit == 5
    with pytest.raises(ConfigError) as info:
        load_yaml_model(write(tmp_path, "limits.yaml", "\n\nlimt: 5\n"), Limits)
    assert info.value.line == 3 and "unknown key 'limt'; allowed: limit" in str(info.value)


class Ids(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = None
    codes: tuple[str, ...] = ()
    names: dict[str, str] = {}
    limit: int = 0


@pytest.mark.parametrize(
    ("yaml_text", "hint"),
    [
        ("code: 0001234567\n", 'read by YAML as the number 342391; quote it: code: "0001234567"'),  # octal
        ("code: 1234567\n", 'the number 1234567; quote it: code: "1234567"'),
        ("code: 0x1F\n", 'the number 31; quote it: code: "0x1F"'),
        ("code: 1_000\n", 'the number 1000; quote it: code: "1_000"'),
        ("code: 12:30\n", 'the number 750; quote it: code: "12:30"'),  # YAML 1.1 sexagesimal
        ("code: 1.50\n", 'the number 1.5; quote it: code: "1.50"'),
        ("code: off\n", 'the truth value false; quote it: code: "off"'),
        ("code: 2026-03-01\n", 'the date 2026-03-01; quote it: code: "2026-03-01"'),
        ("codes: [12345678, K1]\n", 'the number 12345678; quote it: "12345678"'),
        ("names: {25: MOMS25}\n", 'the number 25; quote it: "25": ...'),
    ],
)
def test_unquoted_scalars_where_text_is_expected_are_refused_with_how_to_quote(
    tmp_path: Path, yaml_text: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml_model(write(tmp_path, "ids.yaml", "# identifiers\n" + yaml_text), Ids)
    assert info.value.line == 2, str(info.value)
    assert "text expected, but the unquoted" in info.value.message and hint in info.value.message


def test_quoted_values_and_numbers_where_numbers_belong_load(tmp_path: Path) -> None:
    text = "code: '0001234567'\ncodes: [\"12345678\"]\nnames: {'25': MOMS25}\nlimit: 0012\n"
    loaded = load_yaml_model(write(tmp_path, "ids.yaml", text), Ids)
    assert (loaded.code, loaded.codes, loaded.names) == ("0001234567", ("12345678",), {"25": "MOMS25"})
    assert loaded.limit == 10  # an int field takes YAML's number as it is


def test_a_non_scalar_where_text_is_expected_keeps_the_plain_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml_model(write(tmp_path, "ids.yaml", "code: [a, b]\n"), Ids)
    assert "quote it" not in info.value.message and "valid string" in info.value.message


def test_an_unquoted_bank_account_in_vendors_yaml_is_refused_not_guessed(tmp_path: Path) -> None:
    path = write(
        tmp_path, "vendors.yaml", VENDOR.replace('bank_account: "0003458721"', "bank_account: 0001234567")
    )
    err = error_of(load_vendors, path)
    assert err.line == 7
    assert err.message.endswith(
        "vendors.0.bank_account: text expected, but the unquoted 0001234567 is read by YAML as the number "
        '342391; quote it: bank_account: "0001234567"'
    )


@pytest.mark.parametrize(
    ("criteria", "line", "words"),
    [
        ("auto_post_limit: -5", 6, "auto_post_limit must be greater than 0"),
        ("auto_post_limit: '0'", 6, "leave the key out for no limit"),
        ("auto_post_limit: .nan", 6, "finite number"),
        ("order_tolerance: {percent: '-2'}", 6, "a tolerance cannot be negative"),
        ("order_tolerance: {absolute: -100}", 6, "a tolerance cannot be negative"),
        ("max_payment_days: 0", 6, "max_payment_days must be at least 1"),
    ],
)
def test_limits_that_make_no_sense_are_refused(tmp_path: Path, criteria: str, line: int, words: str) -> None:
    text = f"""\
    eans: ["5798000999015"]
    criteria:
      {criteria}
    """
    err = error_of(load_customers, customers_yaml(tmp_path, text))
    assert err.line == line and words in err.message


def test_zero_tolerances_mean_exactly_the_order_and_load(tmp_path: Path) -> None:
    text = """criteria: {order_tolerance: {percent: "0", absolute: "0"}, auto_post_limit: "0.01"}\n"""
    (customer,) = load_customers(customers_yaml(tmp_path, text)).customers
    assert customer.criteria.order_tolerance.allows(Decimal("100"), Decimal("100"))
    assert not customer.criteria.order_tolerance.allows(Decimal("100"), Decimal("100.01"))
