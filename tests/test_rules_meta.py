"""Meta-tests keep the rule set honest: descriptions, tests, official ids, plugin registration."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

import pytest
from conftest import ROOT

from classifiers.api import ENTRY_POINT_GROUP, DuplicateRuleError, Registry, RuleSpec, rule
from classifiers.engine import CRASH_CODE, Classifier, load_rules
from robot.model import DocumentType, Invoice

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
