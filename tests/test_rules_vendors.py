"""Vendor master rules: known supplier, not blocked, payment details as in the master."""

from __future__ import annotations

from classifiers.api import Context, Finding, Vendor
from classifiers.engine import Classifier
from classifiers.lookups import VendorIndex
from robot.model import DocumentType, Identifier, Invoice, Party, PaymentMeans

MASTER = VendorIndex(
    [
        Vendor("V1", "Kontorland A/S", cvr="12345674", iban="DK5000400440116243", fik_creditor="87654321"),
        Vendor(
            "V2", "Rengøring ApS", endpoint_id="5790000000005", bank_reg="1234", bank_account="0001234567"
        ),
        Vendor("V3", "Spærret Leverandør A/S", cvr="11111111", blocked=True),
        Vendor("V4", "Giro Gruppen", cvr="22222222", giro_account="1234567"),
    ]
)


def invoice(cvr: str | None = "DK12345674", *means: PaymentMeans, name: str = "Kontorland A/S") -> Invoice:
    return Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        number="1",
        seller=Party(name=name, legal_id=Identifier(cvr, "0184") if cvr else None),
        payment_means=list(means),
    )


def run(code: str, inv: Invoice) -> list[Finding]:
    return list(Classifier(only=[code]).classify(inv, Context(vendors=MASTER)).findings)


def test_known_by_cvr_or_endpoint() -> None:
    assert run("VENDOR-UNKNOWN", invoice()) == []
    inv = invoice(None, name="Rengøring")
    inv.seller.endpoint = Identifier("5790000000005", "0088")
    assert run("VENDOR-UNKNOWN", inv) == []


def test_unknown_supplier_is_held_with_a_suggestion_only() -> None:
    [f] = run("VENDOR-UNKNOWN", invoice("99999999", name="Kontorland AS"))
    assert (f.disposition, f.status, f.found) == ("hold", "UQ", "99999999")
    assert (
        "Forslag" in f.message_da and "Kontorland A/S (V1)" in f.message_en and "to confirm" in f.message_en
    )
    [g] = run("VENDOR-UNKNOWN", invoice("99999999", name="Helt Andet Firma"))
    assert "Suggestion" not in g.message_en and "vendor master" in g.message_en


def test_blocked_vendor_is_held() -> None:
    [f] = run("VENDOR-BLOCKED", invoice("11111111"))
    assert f.disposition == "hold" and f.found == "V3" and "spærret" in f.message_da
    assert run("VENDOR-BLOCKED", invoice()) == []


def test_bank_details_as_master_pass() -> None:
    assert (
        run("VENDOR-BANK", invoice("12345674", PaymentMeans(code="31", account="DK50 0040 0440 1162 43")))
        == []
    )
    assert (
        run(
            "VENDOR-BANK", invoice("12345674", PaymentMeans(code="93", payment_id="71#1", account="87654321"))
        )
        == []
    )
    assert run("VENDOR-BANK", invoice("22222222", PaymentMeans(code="50", account="1234567"))) == []


def test_danish_iban_matches_domestic_master_account() -> None:
    inv = invoice(None, PaymentMeans(code="31", account="DK1512340001234567"))
    inv.seller.endpoint = Identifier("5790000000005", "0088")
    assert run("VENDOR-BANK", inv) == []
    inv.payment_means = [PaymentMeans(code="42", branch="1234", account="1234567")]
    assert run("VENDOR-BANK", inv) == []


def test_other_bank_account_is_held_never_accepted() -> None:
    [f] = run("VENDOR-BANK", invoice("12345674", PaymentMeans(code="31", account="DK9520000123456789")))
    assert (f.disposition, f.status, f.reason, f.action) == ("hold", "UQ", "PAY", "PIN")
    assert "DK9520000123456789" in f.message_en and "DK5000400440116243" in f.message_en
    assert "aldrig" in f.message_da and "never" in f.message_en


def test_other_fik_creditor_is_held() -> None:
    [f] = run(
        "VENDOR-BANK", invoice("12345674", PaymentMeans(code="93", payment_id="71#1", account="11112222"))
    )
    assert f.found == "FIK creditor 11112222"


def test_nemkonto_to_known_cvr_passes() -> None:
    assert run("VENDOR-BANK", invoice("12345674", PaymentMeans(code="97"))) == []
    inv = invoice(None, PaymentMeans(code="97"), name="Rengøring")
    inv.seller.endpoint = Identifier("5790000000005", "0088")
    [f] = run("VENDOR-BANK", inv)
    assert "NemKonto" in f.found  # type: ignore[operator]


def test_vendor_rules_are_skipped_without_a_vendor_master() -> None:
    rules = Classifier(document_level_only=True).rules
    assert not any(spec.code.startswith("VENDOR-") for spec in rules)
    assert list(Classifier(only=["vendors"]).classify(invoice("1"), Context()).findings) == []
