"""Unit tests of the Danish public-sector rules on hand-built invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from classifiers.api import Context, Finding
from classifiers.criteria import CustomerCriteria, RuleSetting
from classifiers.engine import Classifier
from robot.model import (
    Address,
    AllowanceCharge,
    Classification,
    Contact,
    DocumentType,
    Identifier,
    Invoice,
    Line,
    Party,
    PaymentMeans,
    Totals,
)

EAN = "5798000416604"


def dk_invoice(**changes: Any) -> Invoice:
    """A clean Peppol invoice between Danish parties, paid by FIK."""
    inv = Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        number="F-1",
        issue_date=date(2025, 3, 1),
        due_date=date(2025, 3, 31),
        currency="DKK",
        buyer_reference="ABC",
        seller=Party(
            name="Kontorland A/S",
            address=Address(country="DK"),
            legal_id=Identifier("DK12345674", "0184"),
        ),
        buyer=Party(name="Styrelsen", address=Address(country="DK"), endpoint=Identifier(EAN, "0088")),
        payment_means=[PaymentMeans(code="93", payment_id="71#123456789012345", account="12345678")],
        totals=Totals(payable=Decimal("1250.00")),
    )
    for key, value in changes.items():
        setattr(inv, key, value)
    return inv


def run(code: str, inv: Invoice, ctx: Context | None = None) -> list[Finding]:
    return list(Classifier(only=[code]).classify(inv, ctx or Context()).findings)


def test_clean_danish_invoice_has_no_danish_findings() -> None:
    result = Classifier(only=["danish", "danish_parties", "danish_payment"]).classify(dk_invoice(), Context())
    assert result.findings == ()


# --- EAN ------------------------------------------------------------------------------------


def test_ean_missing_fires_with_peppol_id_and_names_field_and_fix() -> None:
    inv = dk_invoice()
    inv.buyer.endpoint = None
    [f] = run("DK-EAN-MISSING", inv)
    assert (f.status, f.reason, f.action, f.field) == ("RE", "REC", "NIN", "BT-49")
    assert f.official_ids == ("PEPPOL-EN16931-R010",)
    assert "BT-49" in f.message_da and "EAN" in f.message_da and "ny faktura" in f.message_da
    assert "BT-49" in f.message_en and "new invoice" in f.message_en


def test_ean_with_other_scheme_fires_without_claiming_official_id() -> None:
    inv = dk_invoice()
    inv.buyer.endpoint = Identifier("12345674", "0184")
    [f] = run("DK-EAN-MISSING", inv)
    assert f.official_ids == ()
    assert f.found == "0184:12345674"


def test_ean_present_does_not_fire() -> None:
    assert run("DK-EAN-MISSING", dk_invoice()) == []


def test_gln_check_digit() -> None:
    inv = dk_invoice()
    inv.buyer.endpoint = Identifier("5798000416605", "0088")
    [f] = run("DK-GLN-CHECKDIGIT", inv)
    assert f.official_ids == ("PEPPOL-COMMON-R040",) and f.reason == "REC" and f.found == "5798000416605"
    assert "kontrolciffer" in f.message_da and "check digit" in f.message_en
    assert run("DK-GLN-CHECKDIGIT", dk_invoice()) == []


def test_gln_check_digit_on_the_seller_is_a_legal_problem() -> None:
    inv = dk_invoice()
    inv.seller.endpoint = Identifier("5790000000001", "0088")
    [f] = run("DK-GLN-CHECKDIGIT", inv)
    assert (f.field, f.reason) == ("BT-34", "LEG")


def test_ean_unknown_needs_known_eans() -> None:
    ctx = Context(known_customer_eans={"5790000000005": "SAM"})
    [f] = run("DK-EAN-UNKNOWN", dk_invoice(), ctx)
    assert (f.status, f.reason, f.action) == ("RE", "REC", "NIN") and f.found == EAN
    assert run("DK-EAN-UNKNOWN", dk_invoice(), Context(known_customer_eans={EAN: "SAM"})) == []
    assert run("DK-EAN-UNKNOWN", dk_invoice(), Context()) == []


# --- references -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "person", "order", "fires"),
    [
        ("either", None, None, True),
        ("either", "ABC", None, False),
        ("either", None, "PO-1", False),
        ("person", None, "PO-1", True),
        ("person", "ABC", None, False),
        ("order", "ABC", None, True),
        ("order", None, "PO-1", False),
        ("both", "ABC", None, True),
        ("both", "ABC", "PO-1", False),
    ],
)
def test_reference_per_customer(wanted: str, person: str | None, order: str | None, fires: bool) -> None:
    inv = dk_invoice(buyer_reference=person, order_reference=order)
    ctx = Context(criteria=CustomerCriteria(reference=wanted))  # type: ignore[arg-type]
    findings = run("DK-REFERENCE", inv, ctx)
    assert bool(findings) == fires
    if findings:
        assert findings[0].reason == "REF" and findings[0].action == "PIN"
        assert "BT-10" in findings[0].message_en or "BT-13" in findings[0].message_en


def test_reference_missing_claims_r003_and_uses_customer_return_status() -> None:
    inv = dk_invoice(buyer_reference=None, order_reference=None)
    [f] = run("DK-REFERENCE", inv, Context(criteria=CustomerCriteria(return_status="UQ")))
    assert f.status == "UQ" and f.official_ids == ("PEPPOL-EN16931-R003",)
    assert "personreference" in f.message_da and "person reference" in f.message_en


def test_reference_from_oioubl_contact_id() -> None:
    inv = dk_invoice(format="oioubl-2", buyer_reference=None)
    inv.buyer.contact = Contact(id="JDO")
    assert run("DK-REFERENCE", inv) == []


def test_reference_rule_switched_off_per_customer() -> None:
    inv = dk_invoice(buyer_reference=None)
    criteria = CustomerCriteria(rules={"DK-REFERENCE": RuleSetting(enabled=False)})
    assert run("DK-REFERENCE", inv, Context(criteria=criteria)) == []


# --- CVR and parties ----------------------------------------------------------------------


def test_cvr_missing_for_danish_supplier_only() -> None:
    inv = dk_invoice()
    inv.seller.legal_id = None
    [f] = run("DK-CVR-MISSING", inv)
    assert f.official_ids == ("DK-R-002",) and f.field == "BT-30" and "CVR" in f.message_da
    inv.seller.address = Address(country="SE")
    assert run("DK-CVR-MISSING", inv) == []


def test_cvr_scheme() -> None:
    inv = dk_invoice()
    inv.seller.legal_id = Identifier("DK12345674", None)
    [f] = run("DK-CVR-SCHEME", inv)
    assert f.official_ids == ("DK-R-014",) and f.expected == "0184"
    assert run("DK-CVR-SCHEME", dk_invoice()) == []
    oioubl = dk_invoice(format="oioubl-2")
    oioubl.seller.legal_id = Identifier("DK12345674", "DK:CVR")
    assert run("DK-CVR-SCHEME", oioubl) == []


def test_cvr_format_and_modulus_warning() -> None:
    inv = dk_invoice()
    inv.seller.legal_id = Identifier("DK1234", "0184")
    [f] = run("DK-CVR-FORMAT", inv)
    assert f.severity == "error" and f.found == "DK1234"
    inv.seller.legal_id = Identifier("DK12345678", "0184")  # fails modulus 11
    [w] = run("DK-CVR-FORMAT", inv)
    assert w.severity == "warning" and not w.blocks and "modulus" in w.message_en
    assert run("DK-CVR-FORMAT", dk_invoice()) == []


def test_party_id_without_scheme() -> None:
    inv = dk_invoice()
    inv.seller.party_ids = [Identifier("99887766", None)]
    [f] = run("DK-PARTYID-SCHEME", inv)
    assert f.official_ids == ("DK-R-013",) and f.field == "BT-29"
    inv.seller.party_ids = [Identifier("99887766", "0184")]
    assert run("DK-PARTYID-SCHEME", inv) == []


def test_credit_note_negative() -> None:
    inv = dk_invoice(document_type=DocumentType.CREDIT_NOTE, totals=Totals(payable=Decimal("-5")))
    [f] = run("DK-CREDIT-NEGATIVE", inv)
    assert f.official_ids == ("DK-R-016",) and f.found == "-5"
    assert run("DK-CREDIT-NEGATIVE", dk_invoice(totals=Totals(payable=Decimal("-5")))) == []


@pytest.mark.parametrize(
    ("reason", "fires"), [("Afgift", True), ("0123", False), ("12#Elafgift", False), ("#x", True)]
)
def test_allowance_zzz(reason: str, fires: bool) -> None:
    inv = dk_invoice(
        allowances_charges=[AllowanceCharge(True, Decimal("10"), reason=reason, reason_code="ZZZ")]
    )
    findings = run("DK-ALLOWANCE-ZZZ", inv)
    assert bool(findings) == fires
    if fires:
        assert findings[0].official_ids == ("DK-R-004",) and findings[0].field == "BT-104"


@pytest.mark.parametrize(
    ("codes", "fires"),
    [
        ([Classification("43211503", "TST", "19.05.01")], False),
        ([Classification("43211503", "TST", "26.0801")], False),
        ([Classification("43211503", "TST", "18.0")], True),
        ([Classification("43211503", "TST", None)], True),
        ([Classification("8471", "HS", "2022")], False),
        ([Classification("43211503", "TST", "18.0"), Classification("43211503", "TST", "19.0501")], False),
        ([], False),
    ],
)
def test_unspsc_version(codes: list[Classification], fires: bool) -> None:
    inv = dk_invoice(lines=[Line(id="1", classifications=codes)])
    findings = run("DK-UNSPSC-VERSION", inv)
    assert bool(findings) == fires
    if fires:
        f = findings[0]
        assert (f.official_ids, f.severity, f.field, f.line_id) == (("DK-R-003",), "warning", "BT-158", "1")
        assert "19.05.01" in f.message_da and "19.05.01" in f.message_en
    foreign = dk_invoice(
        lines=[Line(id="1", classifications=codes)], seller=Party(address=Address(country="SE"))
    )
    assert run("DK-UNSPSC-VERSION", foreign) == []


# --- payment means -------------------------------------------------------------------------


def with_means(pm: PaymentMeans, **changes: Any) -> Invoice:
    return dk_invoice(payment_means=[pm], **changes)


def test_payment_means_code() -> None:
    [f] = run("DK-PAYMEANS-CODE", with_means(PaymentMeans(code="20")))
    assert f.official_ids == ("DK-R-005",) and f.reason == "PAY" and f.found == "20"
    assert "BT-81" in f.message_da and "BT-81" in f.message_en
    assert run("DK-PAYMEANS-CODE", with_means(PaymentMeans(code="20"), format="oioubl-2")) == []
    [o] = run("DK-PAYMEANS-CODE", with_means(PaymentMeans(code="30"), format="oioubl-2"))
    assert o.official_ids == ("F-LIB100",)
    foreign = with_means(PaymentMeans(code="30"))
    foreign.buyer.address = Address(country="SE")
    assert run("DK-PAYMEANS-CODE", foreign) == []


def test_bank_details() -> None:
    [f] = run("DK-BANK-DETAILS", with_means(PaymentMeans(code="42", account="1234567890")))
    assert f.official_ids == ("DK-R-006",) and f.field == "BT-86"
    ok = PaymentMeans(code="42", account="1234567890", branch="1234")
    assert run("DK-BANK-DETAILS", with_means(ok)) == []


def test_bank_account_iban_and_domestic() -> None:
    bad_iban = PaymentMeans(code="31", account="DK5000400440116244", branch="DABADKKK")
    [f] = run("DK-BANK-ACCOUNT", with_means(bad_iban))
    assert f.found == "DK5000400440116244" and "IBAN" in f.message_da
    good_iban = PaymentMeans(code="31", account="DK50 0040 0440 1162 43", branch="DABADKKK")
    assert run("DK-BANK-ACCOUNT", with_means(good_iban)) == []
    [d] = run("DK-BANK-ACCOUNT", with_means(PaymentMeans(code="42", account="123456789012", branch="1234")))
    assert "10" in d.expected  # type: ignore[operator]


def test_direct_debit() -> None:
    [f] = run("DK-DIRECT-DEBIT", with_means(PaymentMeans(code="49", mandate="M1")))
    assert f.official_ids == ("DK-R-007",) and f.field == "BT-91"
    assert (
        run("DK-DIRECT-DEBIT", with_means(PaymentMeans(code="49", mandate="M1", debited_account="1"))) == []
    )


def test_giro() -> None:
    [f] = run("DK-GIRO-ID", with_means(PaymentMeans(code="50", payment_id="02#", account="1234567")))
    assert f.official_ids == ("DK-R-008",)
    [g] = run(
        "DK-GIRO-INSTRUCTION", with_means(PaymentMeans(code="50", payment_id="04#123", account="1234567"))
    )
    assert g.official_ids == ("DK-R-009",) and g.expected == "04#<16 digits>"
    good = PaymentMeans(code="50", payment_id="04#1234567890123456", account="1234567")
    assert run("DK-GIRO-ID", with_means(good)) == run("DK-GIRO-INSTRUCTION", with_means(good)) == []


def test_fik_rules() -> None:
    [f] = run(
        "DK-FIK-ID", with_means(PaymentMeans(code="93", payment_id="71#123456789012345", account="123"))
    )
    assert f.official_ids == ("DK-R-010",) and "8" in f.message_en
    [g] = run(
        "DK-FIK-INSTRUCTION", with_means(PaymentMeans(code="93", payment_id="71#1", account="12345678"))
    )
    assert g.official_ids == ("DK-R-011",) and g.found == "71#1"
    assert run("DK-FIK-ID", dk_invoice()) == run("DK-FIK-INSTRUCTION", dk_invoice()) == []


def test_fik_strict_format_is_a_warning() -> None:
    inv = with_means(PaymentMeans(code="93", payment_id="71#1234567890123456", account="12345678"))
    [w] = run("DK-FIK-FORMAT", inv)
    assert w.severity == "warning" and "+71" in w.message_da
    assert run("DK-FIK-FORMAT", dk_invoice()) == []


def test_fik_in_oioubl_2_syntax() -> None:
    pm = PaymentMeans(code="93", payment_id="71", instruction_id="123", creditor_account="12345678")
    [g] = run("DK-FIK-INSTRUCTION", with_means(pm, format="oioubl-2"))
    assert g.official_ids == ()
    pm.instruction_id = "123456789012345"
    assert run("DK-FIK-INSTRUCTION", with_means(pm, format="oioubl-2")) == []


def test_payment_terms_over_30_days_is_a_warning() -> None:
    inv = dk_invoice(due_date=date(2025, 4, 15))
    [w] = run("DK-PAYTERMS-30", inv)
    assert w.severity == "warning" and w.found == "45 days" and w.reason == "PAY"
    assert run("DK-PAYTERMS-30", dk_invoice()) == []
    criteria = CustomerCriteria(max_payment_days=60)
    assert run("DK-PAYTERMS-30", inv, Context(criteria=criteria)) == []
    strict = CustomerCriteria(
        rules={"DK-PAYTERMS-30": RuleSetting(severity="error", params={"max_days": 10})}
    )
    [e] = run("DK-PAYTERMS-30", dk_invoice(), Context(criteria=strict))
    assert e.severity == "error" and e.disposition == "hold"
    assert (e.expected, e.expected_da) == ("at most 10 days", "højst 10 dage")
