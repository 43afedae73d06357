"""Customer criteria rules, and customer settings applied through the engine."""

from __future__ import annotations

from decimal import Decimal

from classifiers.api import Context, Finding, Verdict
from classifiers.criteria import CustomerCriteria, RuleSetting
from classifiers.engine import Classifier
from robot.model import DocumentType, Identifier, Invoice, Line, Party, Totals


def invoice(payable: str = "1000.00", currency: str = "DKK", **changes: object) -> Invoice:
    inv = Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        number="1",
        currency=currency,
        seller=Party(legal_id=Identifier("DK12345674", "0184")),
        totals=Totals(payable=Decimal(payable)),
    )
    for key, value in changes.items():
        setattr(inv, key, value)
    return inv


def run(code: str, inv: Invoice, criteria: CustomerCriteria | None, **meta: str) -> list[Finding]:
    ctx = Context(customer_id="SAM", criteria=criteria, metadata=meta)
    return list(Classifier(only=[code]).classify(inv, ctx).findings)


def test_amount_limit() -> None:
    criteria = CustomerCriteria(auto_post_limit=Decimal("250000"))
    [f] = run("CUST-AMOUNT-LIMIT", invoice("250000.01"), criteria)
    assert (f.disposition, f.field, f.found) == ("hold", "BT-115", "250000.01")
    assert "250.000,01" in f.message_da and "250000.01" in f.message_en and "by hand" in f.message_en
    assert run("CUST-AMOUNT-LIMIT", invoice("250000.00"), criteria) == []
    assert run("CUST-AMOUNT-LIMIT", invoice("9999999"), CustomerCriteria()) == []
    assert run("CUST-AMOUNT-LIMIT", invoice("9999999"), None) == []


def test_account_string_required_from_header_lines_or_metadata() -> None:
    criteria = CustomerCriteria(require_account_string=True, return_status="UQ")
    [f] = run("CUST-ACCOUNT-STRING", invoice(), criteria)
    assert (f.status, f.reason, f.field) == ("UQ", "REF", "BT-19") and "kontostreng" in f.message_da.lower()
    assert run("CUST-ACCOUNT-STRING", invoice(accounting_cost="4025:123"), criteria) == []
    lines = [Line(id="1", accounting_cost="A"), Line(id="2", accounting_cost="B")]
    assert run("CUST-ACCOUNT-STRING", invoice(lines=lines), criteria) == []
    half = [Line(id="1", accounting_cost="A"), Line(id="2")]
    assert run("CUST-ACCOUNT-STRING", invoice(lines=half), criteria) != []
    assert run("CUST-ACCOUNT-STRING", invoice(), criteria, account="4025") == []
    assert run("CUST-ACCOUNT-STRING", invoice(), CustomerCriteria()) == []


def test_account_string_pattern() -> None:
    criteria = CustomerCriteria(require_account_string=True, account_string_pattern=r"\d{4}:\d{3}")
    [f] = run("CUST-ACCOUNT-STRING", invoice(accounting_cost="40-25"), criteria)
    assert f.found == "40-25" and f.expected == r"\d{4}:\d{3}"
    assert run("CUST-ACCOUNT-STRING", invoice(accounting_cost="4025:123"), criteria) == []


def test_currency() -> None:
    [f] = run("CUST-CURRENCY", invoice(currency="USD"), CustomerCriteria(currencies=("dkk", "eur")))
    assert (f.reason, f.field, f.found, f.expected) == ("FIN", "BT-5", "USD", "DKK, EUR")
    assert run("CUST-CURRENCY", invoice(currency="EUR"), CustomerCriteria(currencies=("dkk", "eur"))) == []


def test_remark_hold_from_purchase_system_or_note() -> None:
    criteria = CustomerCriteria()
    [f] = run("CUST-REMARK-HOLD", invoice(), criteria, remark="til sam: kontrollér moms")
    assert f.disposition == "hold" and "TIL SAM" in f.message_da and "manual handling" in f.message_en
    assert run("CUST-REMARK-HOLD", invoice(notes=["Til Sam - ring"]), criteria) != []
    assert run("CUST-REMARK-HOLD", invoice(notes=["Sendt til SAM"]), criteria) == []
    assert (
        run("CUST-REMARK-HOLD", invoice(), CustomerCriteria(hold_remark_prefixes=()), remark="TIL SAM") == []
    )


def test_supplier_allow_list() -> None:
    [f] = run("CUST-SUPPLIER-ALLOW", invoice(), CustomerCriteria(supplier_allow_list=("DK11111111",)))
    assert f.disposition == "hold" and f.found == "12345674"
    assert run("CUST-SUPPLIER-ALLOW", invoice(), CustomerCriteria(supplier_allow_list=("DK12345674",))) == []
    assert run("CUST-SUPPLIER-ALLOW", invoice(), CustomerCriteria()) == []


def test_supplier_allow_list_entries_in_any_spelling_the_master_data_accepts() -> None:
    # customers.yaml accepts "DK 1234 5674" and "12-34-56-74" (robot.configuration.masterdata.check_cvr);
    # each must match
    for entry in ("DK 1234 5674", "12-34-56-74", "dk12345674", " DK12345674 "):
        criteria = CustomerCriteria(supplier_allow_list=(entry,))
        assert run("CUST-SUPPLIER-ALLOW", invoice(), criteria) == [], entry


def test_customer_settings_switch_off_and_redirect_rules_through_the_engine() -> None:
    inv = invoice("300000", currency="USD")
    base = CustomerCriteria(auto_post_limit=Decimal("1000"))
    classifier = Classifier(only=["customer"])
    result = classifier.classify(inv, Context(criteria=base))
    assert {f.code for f in result.findings} == {"CUST-AMOUNT-LIMIT", "CUST-CURRENCY"}
    assert result.verdict is Verdict.HOLD
    tuned = CustomerCriteria(
        auto_post_limit=Decimal("1000"),
        rules={
            "CUST-AMOUNT-LIMIT": RuleSetting(enabled=False),
            "CUST-CURRENCY": RuleSetting(disposition="hold", severity="warning"),
        },
    )
    result = classifier.classify(inv, Context(criteria=tuned))
    [f] = result.findings
    assert (f.code, f.disposition, f.severity) == ("CUST-CURRENCY", "hold", "warning")
    assert result.verdict is Verdict.POST
