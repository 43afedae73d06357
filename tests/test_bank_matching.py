"""Matching payments to invoices (robot.bank.matching): each kind of evidence, strongest first,
partial and combined payments, ties never guessed, returns and rejections."""

from __future__ import annotations

from decimal import Decimal

import pytest

from robot.bank.iso20022 import read_bank_file
from robot.bank.matching import (
    Candidate,
    account_forms,
    invoice_references,
    match_status,
    match_transaction,
)
from robot.bank.model import PaymentStatus, Transaction
from robot.model import PaymentMeans
from tests.support.bankfiles import camt054, entry, tx

SUPPLIER_IBAN = "DK0370400007812234"
OTHER_IBAN = "DK9520000123456789"


def cand(invoice_id: int, number: str, payable: str, **kw: object) -> Candidate:
    accounts = kw.pop("accounts", account_forms(SUPPLIER_IBAN))
    return Candidate(invoice_id, number, Decimal(payable), kw.pop("currency", "DKK"), accounts=accounts, **kw)  # type: ignore[arg-type]


def one(version: str = "08", direction: str = "DBIT", amount: str = "1000.00", **kw: object) -> Transaction:
    """The only transaction of a camt.054 written with ``kw`` and read back by the robot's reader."""
    kw.setdefault("creditor_iban", SUPPLIER_IBAN)
    content = camt054(version, [entry(direction, amount, [tx(amount=amount, **kw)])])
    return read_bank_file(content, "t.xml").entries[0].transactions[0]


def test_the_end_to_end_id_decides_before_anything_else() -> None:
    paid_by_e2e = cand(1, "A-1", "1000.00", end_to_end_ids=frozenset({"E2E-77"}))
    named_in_text = cand(2, "B-2", "1000.00")
    result = match_transaction(one(end_to_end_id="E2E-77", ustrd=["B-2"]), [paid_by_e2e, named_in_text])
    assert (result.status, result.evidence) == ("matched", "end-to-end-id")
    assert [(a.invoice_id, a.amount) for a in result.allocations] == [(1, Decimal("1000.00"))]


@pytest.mark.parametrize("version", ["02", "08"])
def test_a_fik_payment_id_with_the_creditor_account(version: str) -> None:
    means = [
        PaymentMeans(
            code="93", payment_id="71", instruction_id="000000202603528", creditor_account="85123456"
        )
    ]
    fik = cand(
        1, "NR20260352", "1000.00", references=invoice_references(means), accounts=account_forms("85123456")
    )
    other = cand(2, "X-9", "1000.00")
    payment = one(
        version,
        creditor_reference="202603528",
        reference_type=("Prtry", "71"),
        creditor_iban=None,
        creditor_other=("85123456", "OCR"),
    )
    result = match_transaction(payment, [other, fik])
    assert (result.status, result.evidence) == ("matched", "creditor-reference")
    assert [a.invoice_id for a in result.allocations] == [1]


def test_a_creditor_reference_to_another_account_is_not_that_evidence() -> None:
    means = [PaymentMeans(code="31", payment_id="RF18539007547034", account=SUPPLIER_IBAN)]
    rf = cand(1, "R-1", "1000.00", references=invoice_references(means))
    result = match_transaction(one(creditor_reference="RF18539007547034", creditor_iban=OTHER_IBAN), [rf])
    assert result.status == "unmatched" and result.allocations == ()
    right = match_transaction(one(creditor_reference="RF18539007547034"), [rf])
    assert (right.status, right.evidence) == ("matched", "creditor-reference")


def test_the_referred_document_number() -> None:
    result = match_transaction(
        one(referred_documents=[("kl-2026 0264", None)]), [cand(5, "KL-20260264", "1000")]
    )
    assert (result.status, result.evidence) == ("matched", "referred-document")


def test_the_invoice_number_in_the_text_needs_the_amount_and_the_account() -> None:
    invoice = cand(3, "ITS-2026-0396", "1000.00")
    good = match_transaction(one(ustrd=["Faktura ITS-2026-0396 tak"]), [invoice])
    assert (good.status, good.evidence) == ("matched", "remittance-text")
    wrong_amount = match_transaction(one(amount="999.00", ustrd=["Faktura ITS-2026-0396"]), [invoice])
    wrong_account = match_transaction(one(ustrd=["ITS-2026-0396"], creditor_iban=OTHER_IBAN), [invoice])
    part_of_a_longer_number = match_transaction(one(ustrd=["ITS-2026-03961"]), [invoice])
    for result in (wrong_amount, wrong_account, part_of_a_longer_number):
        assert result.status == "unmatched" and result.allocations == ()
    assert [c.invoice_id for c in wrong_amount.candidates] == [3]  # shown to the creditor team


def test_a_partial_payment_pays_part_of_the_invoice() -> None:
    result = match_transaction(
        one(amount="400.00", referred_documents=[("A-1", None)]), [cand(1, "A-1", "1000.00")]
    )
    assert result.status == "matched"
    assert [(a.invoice_id, a.amount) for a in result.allocations] == [(1, Decimal("400.00"))]


def test_one_payment_for_several_invoices_with_their_amounts() -> None:
    invoices = [cand(1, "A-1", "600.00"), cand(2, "A-2", "400.00")]
    result = match_transaction(one(referred_documents=[("A-1", "600.00"), ("A-2", "400.00")]), invoices)
    assert (result.status, result.evidence) == ("matched", "referred-document")
    assert [(a.invoice_id, a.amount) for a in result.allocations] == [
        (1, Decimal("600.00")),
        (2, Decimal("400.00")),
    ]


def test_several_invoices_without_amounts_must_add_up_to_the_payment() -> None:
    invoices = [cand(1, "A-1", "600.00"), cand(2, "A-2", "400.00")]
    adds_up = match_transaction(one(referred_documents=[("A-1", None), ("A-2", None)]), invoices)
    assert [(a.invoice_id, a.amount) for a in adds_up.allocations] == [
        (1, Decimal("600.00")),
        (2, Decimal("400.00")),
    ]
    short = match_transaction(
        one(amount="900.00", referred_documents=[("A-1", None), ("A-2", None)]), invoices
    )
    assert short.status == "unmatched" and short.allocations == ()
    assert {c.invoice_id for c in short.candidates} == {1, 2}


def test_one_document_of_several_not_found_matches_none_of_them() -> None:
    result = match_transaction(
        one(referred_documents=[("A-1", "500"), ("NOPE", "500")]), [cand(1, "A-1", "500")]
    )
    assert result.status == "unmatched" and result.allocations == ()


def test_two_invoices_equally_good_are_ambiguous_never_guessed() -> None:
    twins = [cand(1, "1001", "1000.00"), cand(2, "1001", "1000.00", supplier_key="other")]
    by_number = match_transaction(one(referred_documents=[("1001", None)]), twins)
    assert by_number.status == "ambiguous" and by_number.allocations == ()
    assert {c.invoice_id for c in by_number.candidates} == {1, 2}
    by_text = match_transaction(one(ustrd=["1001"]), twins)
    assert by_text.status == "ambiguous" and by_text.allocations == ()


def test_the_same_number_of_two_suppliers_is_told_apart_by_the_account() -> None:
    ours = cand(1, "1001", "1000.00")
    theirs = cand(2, "1001", "1000.00", accounts=account_forms(OTHER_IBAN))
    result = match_transaction(one(referred_documents=[("1001", None)]), [theirs, ours])
    assert [a.invoice_id for a in result.allocations] == [1]


def test_a_payment_naming_nothing_is_unmatched() -> None:
    result = match_transaction(one(ustrd=["tak for sidst"]), [cand(1, "A-1", "5.00")])
    assert result.status == "unmatched" and result.candidates == ()


def test_a_foreign_currency_invoice_is_paid_by_its_instructed_amount() -> None:
    eur = cand(1, "ITS-2026-0396", "2310.00", currency="EUR")
    payment = one(
        amount="17232.60",
        ustrd=["ITS-2026-0396"],
        instructed=("2310.00", "EUR"),
        exchange=("EUR", "DKK", "7.46"),
    )
    result = match_transaction(payment, [eur])
    assert [(a.invoice_id, a.amount) for a in result.allocations] == [(1, Decimal("2310.00"))]


def test_a_returned_transfer_is_a_rejection_of_the_invoice_it_paid() -> None:
    paid = cand(1, "A-1", "1000.00", paid=Decimal("1000.00"), end_to_end_ids=frozenset({"E2E-1"}))
    returned = one(direction="CRDT", end_to_end_id="E2E-1", return_reason="AC04")
    result = match_transaction(returned, [paid], returned=True)
    assert (result.status, result.evidence) == ("rejected", "end-to-end-id")
    assert [a.invoice_id for a in result.allocations] == [1]


def test_a_pain002_rejection_finds_the_invoice_by_its_end_to_end_id() -> None:
    paid = cand(1, "A-1", "1000.00", paid=Decimal("1000.00"), end_to_end_ids=frozenset({"E2E-1"}))
    rejected = match_status(PaymentStatus("transaction", "RJCT", "E2E-1", reason="AC04"), [paid])
    assert rejected is not None and rejected.status == "rejected"
    assert [a.invoice_id for a in rejected.allocations] == [1]
    unknown = match_status(PaymentStatus("transaction", "RJCT", "E2E-404"), [paid])
    assert unknown is not None and unknown.status == "unmatched"
    assert match_status(PaymentStatus("transaction", "ACSC", "E2E-1"), [paid]) is None


def test_accounts_compare_as_iban_bban_and_account_number() -> None:
    iban = account_forms("DK50 0040 0440 1162 43")
    assert iban & account_forms("00400440116243") and iban & account_forms("0440116243")
    assert not iban & account_forms("0440116244")
    assert account_forms("") == frozenset()


def test_fik_ids_of_peppol_and_oioubl_and_rf_references() -> None:
    peppol = invoice_references([PaymentMeans(code="93", payment_id="75#0000000202603635")])
    oioubl = invoice_references([PaymentMeans(code="93", payment_id="71", instruction_id="000000202603528")])
    rf = invoice_references([PaymentMeans(code="31", payment_id="RF18 5390 0754 7034")])
    plain = invoice_references([PaymentMeans(code="31", payment_id="KL-2026-0264")])
    assert (peppol, oioubl, rf, plain) == (
        frozenset({"fik:202603635"}),
        frozenset({"fik:202603528"}),
        frozenset({"rf:RF18539007547034"}),
        frozenset(),
    )
