"""Duplicate rules: exact duplicates are returned, suspected ones held."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from classifiers.api import Context, Finding, PriorInvoice
from classifiers.engine import Classifier
from classifiers.lookups import HistoryIndex
from robot.model import DocumentType, Identifier, Invoice, Party, Totals

CVR = "12345674"
HISTORY = HistoryIndex(
    [
        PriorInvoice(1, CVR, "INV-2025-0017", date(2025, 1, 10), Decimal("1000.00"), sha256="a" * 64),
        PriorInvoice(2, CVR, "7", date(2024, 6, 1), Decimal("50.00")),
        PriorInvoice(3, CVR, "A-88", date(2025, 2, 1), Decimal("999.50")),
        PriorInvoice(4, "87654321", "INV-2025-0018", date(2025, 1, 10), Decimal("1000.00")),
        PriorInvoice(5, CVR, "SUB-2025-000000000123", date(2025, 3, 1), Decimal("75.00")),
    ]
)


def invoice(number: str, issued: date = date(2025, 3, 1), payable: str = "1.00", cvr: str = CVR) -> Invoice:
    return Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        number=number,
        issue_date=issued,
        seller=Party(legal_id=Identifier(f"DK{cvr}", "0184")),
        totals=Totals(payable=Decimal(payable)),
    )


def run(code: str, inv: Invoice, **ctx: object) -> list[Finding]:
    context = Context(history=HISTORY, **ctx)  # type: ignore[arg-type]
    return list(Classifier(only=[code]).classify(inv, context).findings)


def test_same_number_same_year_is_a_duplicate_naming_the_earlier_invoice() -> None:
    [f] = run("DUP-NUMBER", invoice(" inv-2025-0017"))
    assert (f.disposition, f.status, f.reason, f.action) == ("return", "RE", "OTH", "NOA")
    assert f.found == "invoice INV-2025-0017 from the same supplier of 10 January 2025 (amount 1000.00)"
    assert f.found_da == "faktura INV-2025-0017 fra samme leverandør af 10. januar 2025 (beløb 1.000,00)"
    assert "se faktura INV-2025-0017" in f.message_da and "duplicate" in f.message_en
    assert "#1" not in f.message_da + f.message_en  # the robot's internal id means nothing to a customer


def test_same_number_other_year_or_other_supplier_is_not_a_duplicate() -> None:
    assert run("DUP-NUMBER", invoice("7")) == []
    assert run("DUP-NUMBER", invoice("INV-2025-0017", cvr="87654321")) == []
    assert run("DUP-SUSPECT", invoice("7")) == []


def test_the_invoice_itself_is_not_its_own_duplicate() -> None:
    assert run("DUP-NUMBER", invoice("INV-2025-0017"), invoice_id=1) == []


def test_same_document_bytes() -> None:
    [f] = run("DUP-DOCUMENT", invoice("X"), document_sha256="a" * 64)
    assert "INV-2025-0017" in (f.found or "") and "sha256" in f.message_en
    assert run("DUP-DOCUMENT", invoice("X"), document_sha256="b" * 64) == []


@pytest.mark.parametrize("number", ["INV2025-17", "inv 2025/0017", "1NV-2O25-OO17", "INV-2025-OO17"])
def test_numbers_differing_by_punctuation_zeros_or_look_alikes_are_held(number: str) -> None:
    [f] = run("DUP-SUSPECT", invoice(number))
    assert (f.disposition, f.status) == ("hold", "UQ") and "INV-2025-0017" in (f.found or "")
    assert "Mulig dublet" in f.message_da and "Suspected duplicate" in f.message_en


def test_same_amount_and_date_is_held() -> None:
    [f] = run("DUP-SUSPECT", invoice("B-1", issued=date(2025, 2, 1), payable="999.50"))
    assert "A-88" in (f.found or "") and "same amount and date" in f.message_en
    assert run("DUP-SUSPECT", invoice("B-1", issued=date(2025, 2, 2), payable="999.50")) == []
    assert run("DUP-SUSPECT", invoice("B-1", issued=date(2025, 2, 1), payable="999.51")) == []


def test_nearly_equal_number_with_same_amount_is_held() -> None:
    [f] = run("DUP-SUSPECT", invoice("SUB-2025-000000000124", payable="75.00", issued=date(2025, 4, 1)))
    assert "SUB-2025-000000000123" in (f.found or "") and "similar number" in f.message_en
    assert (
        run("DUP-SUSPECT", invoice("SUB-2025-000000000124", payable="80.00", issued=date(2025, 4, 1))) == []
    )


def test_exact_duplicate_is_not_also_reported_as_suspected() -> None:
    assert run("DUP-SUSPECT", invoice("INV-2025-0017", payable="1000.00")) == []


def test_fuzzy_check_works_on_any_history_implementation() -> None:
    class Plain:  # the protocol only, no precomputed canonical numbers
        def by_number(self, key: str, number: str) -> list[PriorInvoice]:
            return HISTORY.by_number(key, number)

        def by_amount_date(self, key: str, payable: Decimal, issued: object) -> list[PriorInvoice]:
            return HISTORY.by_amount_date(key, payable, issued)

        def numbers_of(self, key: str) -> list[PriorInvoice]:
            return HISTORY.numbers_of(key)

        def by_sha256(self, sha: str) -> list[PriorInvoice]:
            return HISTORY.by_sha256(sha)

    ctx = Context(history=Plain())
    [f] = Classifier(only=["DUP-SUSPECT"]).classify(invoice("INV 2025 17"), ctx).findings
    assert "INV-2025-0017" in (f.found or "")
