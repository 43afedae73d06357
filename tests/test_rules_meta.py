"""Meta-tests keep the rule set honest: descriptions, tests, official ids, plugin registration."""

from __future__ import annotations

import importlib.util
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from classifiers.api import ENTRY_POINT_GROUP, DuplicateRuleError, Registry, RuleSpec, rule
from classifiers.engine import CRASH_CODE, Classifier, load_rules
from robot.model import DocumentType, Invoice
from tests.conftest import ROOT

REGISTRY = load_rules()
RULES = list(REGISTRY)
TESTS = "\n".join(
    p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py") if p.name != __file__
)
OFFICIAL_ID = re.compile(r"^(BR-[A-Z0-9-]+|PEPPOL-[A-Z0-9-]+|DK-R-\d{3}|F-(INV|CRN|LIB)\d{3})$")


@pytest.mark.parametrize("spec", RULES, ids=[s.code for s in RULES])
def test_every_rule_has_a_description_and_a_test(spec: RuleSpec) -> None:
    assert len(spec.description) >= 20, f"{spec.code}: describe what the rule checks"
    assert spec.disposition in ("return", "hold") and spec.severity in ("error", "warning")
    names = [spec.code, *spec.official_ids]
    assert any(f'"{name}"' in TESTS for name in names), (
        f"{spec.code} is not exercised by any test (no test names its code or one of its official ids)"
    )


@pytest.mark.parametrize("spec", RULES, ids=[s.code for s in RULES])
def test_official_ids_are_well_formed_and_named_in_descriptions(spec: RuleSpec) -> None:
    for oid in spec.official_ids:
        assert OFFICIAL_ID.match(oid), f"{spec.code}: {oid!r} is not an official rule id"


def test_builtins_register_through_the_entry_point_group() -> None:
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert "builtin" in names


def test_registry_refuses_duplicate_codes() -> None:
    registry = Registry()

    @rule("X-ONE", description="first rule with this code", registry=registry)
    def first(invoice: Invoice, ctx: object) -> None:
        return None

    with pytest.raises(DuplicateRuleError, match="X-ONE"):

        @rule("X-ONE", description="second rule with the same code", registry=registry)
        def second(invoice: Invoice, ctx: object) -> None:
            return None


def test_a_crashing_rule_holds_the_invoice_and_the_others_still_run() -> None:
    registry = Registry()

    @rule("X-CRASH", description="a rule with a bug", registry=registry, field="BT-1")
    def crash(invoice: Invoice, ctx: object) -> None:
        raise ZeroDivisionError("bug")

    @rule("X-FINE", description="a rule that finds something", registry=registry)
    def fine(invoice: Invoice, ctx):  # type: ignore[no-untyped-def]
        yield ctx.finding(da="fundet", en="found")

    result = Classifier(registry).classify(
        Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE), _ctx()
    )
    codes = [f.code for f in result.findings]
    assert codes == [CRASH_CODE, "X-FINE"] and result.verdict.value == "hold"
    assert "X-CRASH" in result.findings[0].message_en and "ZeroDivisionError" in result.findings[0].message_en


def _ctx():  # type: ignore[no-untyped-def]
    from classifiers.api import Context

    return Context()


BOGUS_RULE = """
from classifiers.api import Registry, rule

PRIVATE = Registry()


@rule("X-BOGUS", description="a plugin rule with made-up codes", registry=PRIVATE, {codes})
def bogus(invoice, ctx):
    yield ctx.finding(da="fundet", en="found")
"""


def _import_module(tmp_path: Path, name: str, source: str) -> object:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_rule_with_codes_outside_the_invoice_response_lists_fails_at_import(tmp_path: Path) -> None:
    codes = 'reason="BOGUS", status="ZZ", action="WHAT"'
    with pytest.raises(ValueError) as info:
        _import_module(tmp_path, "bogus_rules", BOGUS_RULE.format(codes=codes))
    message = str(info.value)
    assert "X-BOGUS" in message and "bogus_rules.bogus" in message
    assert "status 'ZZ'" in message and "AB, AP, CA, IP, PD, RE, UQ" in message
    assert "reason 'BOGUS'" in message and "DEL, FIN, ITM, LEG, NON, OTH, PAY, PPD, PRI" in message
    assert "action 'WHAT'" in message and "CNA, CNF, CNP, NIN, NOA, OTH, PIN" in message


@pytest.mark.parametrize(
    ("codes", "named"),
    [
        ('status="ZZ"', "status 'ZZ'"),
        ('reason="BOGUS"', "reason 'BOGUS'"),
        ('reason="ref"', "reason 'ref'"),  # codes are case-sensitive in the Invoice Response
        ('action="WHAT"', "action 'WHAT'"),
        ('disposition="post"', "disposition 'post'"),
        ('severity="fatal"', "severity 'fatal'"),
    ],
)
def test_each_wrong_code_is_named_with_the_allowed_ones(tmp_path: Path, codes: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"X-BOGUS.*{named}.*allowed: "):
        _import_module(tmp_path, "bogus_one", BOGUS_RULE.format(codes=codes))


def test_a_rule_with_valid_codes_imports_and_registers(tmp_path: Path) -> None:
    module = _import_module(
        tmp_path, "fine_rules", BOGUS_RULE.format(codes='status="UQ", reason="PAY", action="PIN"')
    )
    spec = module.PRIVATE.get("X-BOGUS")  # type: ignore[attr-defined]
    assert (spec.status, spec.reason, spec.action) == ("UQ", "PAY", "PIN")


def test_builtin_rules_use_only_invoice_response_codes() -> None:
    from classifiers.codes import ACTIONS, REASONS, STATUSES

    for spec in RULES:
        assert spec.status in STATUSES and spec.reason in REASONS and spec.action in ACTIONS, spec.code


def test_a_finding_overriding_a_code_with_a_wrong_one_holds_naming_the_rule() -> None:
    registry = Registry()

    @rule("X-OVERRIDE", description="a rule overriding its reason at run time", registry=registry)
    def override(invoice: Invoice, ctx):  # type: ignore[no-untyped-def]
        yield ctx.finding(da="fundet", en="found", reason="BOGUS")

    result = Classifier(registry).classify(
        Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE), _ctx()
    )
    assert [f.code for f in result.findings] == [CRASH_CODE] and result.verdict.value == "hold"
    assert "X-OVERRIDE" in result.findings[0].message_en and "BOGUS" in result.findings[0].message_en
    assert all(f.reason != "BOGUS" for f in result.findings)


def test_every_code_in_the_lists_has_a_notice_label() -> None:
    from classifiers.codes import ACTIONS, REASONS
    from robot.processing.notices import ACTION_LABELS, REASON_LABELS

    assert set(REASON_LABELS) == REASONS and set(ACTION_LABELS) == ACTIONS
