"""Reading camt.054 (.001.02 and .001.08), camt.053 and pain.002 (.001.03 and .001.10) files.

Generated files of each version (tests/support/bankfiles.py writes each version's own element
order and choices) and hand-made edge cases: several entries and transactions per entry, batch
bookings, reversals, foreign currency with exchange details, missing optional blocks.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from robot.bank.iso20022 import read_bank_file, supported_messages
from robot.bank.model import Account, Exchange
from tests.support.bankfiles import camt053, camt054, entry, pain002, payment, status, tx

CAMT_VERSIONS = ["02", "08"]


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_camt054_one_payment_every_field(version: str) -> None:
    content = camt054(
        version,
        [
            entry(
                "DBIT",
                "1250.00",
                [
                    tx(
                        amount="1250.00",
                        end_to_end_id="E2E-0001",
                        instruction_id="INSTR-1",
                        acct_svcr_ref="TXREF-1",
                        creditor_reference="RF18539007547034",
                        referred_documents=[("F-100", "1250.00")],
                        ustrd=["Faktura F-100", "kunde 42"],
                        creditor_name="Kontorhuset A/S",
                        creditor_iban="DK96 0040 0440 1162 43",
                    )
                ],
                booking_date="2026-12-01",
                value_date="2026-12-02",
                bank_reference="BANKREF-1",
            )
        ],
    )
    bank_file = read_bank_file(content, "ntf.xml")
    assert bank_file.message == f"camt.054.001.{version}"
    assert bank_file.kind == "camt054"
    assert bank_file.message_id == "NTF-1"
    assert bank_file.created_at is not None and bank_file.created_at.utcoffset() is not None
    (e,) = bank_file.entries
    assert (e.direction, e.amount, e.currency, e.status) == ("debit", Decimal("1250.00"), "DKK", "BOOK")
    assert (e.booking_date, e.value_date, e.bank_reference) == (
        date(2026, 12, 1),
        date(2026, 12, 2),
        "BANKREF-1",
    )
    assert e.account == Account("DK5000400440116243", "iban", currency="DKK")
    assert not e.reversal and e.exchange is None
    (t,) = e.transactions
    assert (t.amount, t.currency, t.end_to_end_id) == (Decimal("1250.00"), "DKK", "E2E-0001")
    assert (t.instruction_id, t.bank_reference) == ("INSTR-1", "TXREF-1")
    assert t.creditor_reference is not None
    assert (t.creditor_reference.reference, t.creditor_reference.kind) == ("RF18539007547034", "rf")
    assert t.creditor_reference.type_code == "SCOR"
    assert t.referred_document_number == "F-100"
    assert t.remittances[0].referred_document_amount == Decimal("1250.00")
    assert t.remittance_text == "Faktura F-100 kunde 42"
    assert t.counterparty_name == "Kontorhuset A/S"
    assert t.counterparty_account == Account("DK9600400440116243", "iban")


def test_amounts_are_decimals_of_the_text_never_floats() -> None:
    content = camt054(
        "08", [entry("DBIT", "0.10", [tx(amount="0.10")]), entry("DBIT", "123456789012345.12345")]
    )
    first, second = read_bank_file(content, "a.xml").entries
    assert isinstance(first.amount, Decimal) and str(first.amount) == "0.10"
    assert str(first.transactions[0].amount) == "0.10"
    assert str(second.amount) == "123456789012345.12345"


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_several_entries_and_a_batch_booking(version: str) -> None:
    batch = [
        tx(amount="100.00", end_to_end_id="E2E-A", creditor_name="A"),
        tx(amount="200.50", end_to_end_id="E2E-B", creditor_name="B"),
        tx(amount="300.00", end_to_end_id="E2E-C", creditor_name="C"),
    ]
    content = camt054(
        version,
        [
            entry("DBIT", "600.50", batch, batch=3, bank_reference="BATCH-1"),
            entry(
                "CRDT", "75.00", [tx(amount="75.00", debtor_name="Kunde", debtor_iban="DK1200400440116243")]
            ),
        ],
    )
    first, second = read_bank_file(content, "batch.xml").entries
    assert first.batch_count == 3 and first.bank_reference == "BATCH-1"
    assert [t.end_to_end_id for t in first.transactions] == ["E2E-A", "E2E-B", "E2E-C"]
    assert sum(t.amount or 0 for t in first.transactions) == first.amount
    assert [t.counterparty_name for t in first.transactions] == ["A", "B", "C"]
    assert second.direction == "credit"
    assert second.transactions[0].counterparty_name == "Kunde"  # money in: the debtor
    assert second.transactions[0].counterparty_account == Account("DK1200400440116243", "iban")


def test_a_batch_without_amounts_per_transaction_keeps_none() -> None:
    content = camt054(
        "02", [entry("DBIT", "300.00", [tx(end_to_end_id="A"), tx(end_to_end_id="B")], batch=2)]
    )
    (e,) = read_bank_file(content, "b.xml").entries
    assert [t.amount for t in e.transactions] == [None, None]


def test_the_only_transaction_without_an_amount_has_the_entrys() -> None:
    content = camt054("02", [entry("DBIT", "42.00", [tx(end_to_end_id="A")])])
    (t,) = read_bank_file(content, "b.xml").entries[0].transactions
    assert (t.amount, t.currency) == (Decimal("42.00"), "DKK")


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_a_reversal_is_flagged_and_names_the_creditor(version: str) -> None:
    bounced = tx(amount="500.00", end_to_end_id="E2E-9", creditor_name="Leverandør", return_reason="AC04")
    content = camt054(version, [entry("CRDT", "500.00", [bounced], reversal=True)])
    (e,) = read_bank_file(content, "r.xml").entries
    assert e.reversal and e.direction == "credit"
    (t,) = e.transactions
    assert t.counterparty_name == "Leverandør"  # the payment that came back went to the creditor
    assert t.return_reason == "AC04"


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_foreign_currency_with_exchange_details(version: str) -> None:
    paid = tx(
        amount="7460.00", instructed=("1000.00", "EUR"), exchange=("EUR", "DKK", "7.46"), end_to_end_id="FX"
    )
    content = camt054(version, [entry("DBIT", "7460.00", [paid])])
    (t,) = read_bank_file(content, "fx.xml").entries[0].transactions
    assert (t.amount, t.currency) == (Decimal("7460.00"), "DKK")
    assert t.exchange == Exchange("EUR", "DKK", Decimal("7.46"), None, Decimal("1000.00"), "EUR")


def test_missing_optional_blocks_are_none() -> None:
    bare = entry("DBIT", "10.00", [tx()], booking_date=None, value_date=None, bank_reference=None)
    content = camt054("08", [bare, entry("CRDT", "5.00")])
    first, second = read_bank_file(content, "bare.xml").entries
    assert (first.booking_date, first.value_date, first.bank_reference, first.batch_count) == (
        None,
        None,
        None,
        None,
    )
    (t,) = first.transactions
    assert t.amount == Decimal("10.00")
    assert (t.end_to_end_id, t.creditor_reference, t.referred_document_number, t.remittance_text) == (
        None,
    ) * 4
    assert (t.counterparty_name, t.counterparty_account, t.exchange, t.remittances) == (None, None, None, ())
    assert second.transactions == ()


def test_booking_date_as_a_date_and_time_and_not_provided_end_to_end_id() -> None:
    content = camt054(
        "08",
        [
            entry(
                "DBIT",
                "1.00",
                [tx(end_to_end_id="NOTPROVIDED")],
                booking_datetime="2026-12-01T23:30:00+01:00",
            )
        ],
    )
    (e,) = read_bank_file(content, "dt.xml").entries
    assert e.booking_date == date(2026, 12, 1)
    assert e.transactions[0].end_to_end_id is None


def test_a_fik_payment_id_and_the_creditor_number() -> None:
    fik = tx(
        amount="875.00",
        creditor_reference="000000012345678",
        reference_type=("Prtry", "71"),
        creditor_other=("85471234", "OCR"),
    )
    content = camt054("02", [entry("DBIT", "875.00", [fik])])
    (t,) = read_bank_file(content, "fik.xml").entries[0].transactions
    assert t.creditor_reference is not None
    assert (t.creditor_reference.kind, t.creditor_reference.card) == ("fik", "71")
    assert t.creditor_reference.reference == "000000012345678"
    assert t.counterparty_account == Account("85471234", "other", "OCR")


def test_one_payment_for_several_invoices_keeps_every_referred_document() -> None:
    several = tx(amount="300.00", referred_documents=[("F-1", "100.00"), ("F-2", "200.00")])
    content = camt054("08", [entry("DBIT", "300.00", [several])])
    (t,) = read_bank_file(content, "s.xml").entries[0].transactions
    assert t.referred_document_number == "F-1"
    assert [(r.referred_document_number, r.referred_document_amount) for r in t.remittances] == [
        ("F-1", Decimal("100.00")),
        ("F-2", Decimal("200.00")),
    ]


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_camt053_statement(version: str) -> None:
    content = camt053(
        version,
        [
            entry("DBIT", "99.95", [tx(amount="99.95", end_to_end_id="S-1")]),
            entry("CRDT", "10.00", status="PDNG"),
        ],
    )
    bank_file = read_bank_file(content, "stmt.xml")
    assert (bank_file.message, bank_file.kind) == (f"camt.053.001.{version}", "camt053")
    first, second = bank_file.entries
    assert first.transactions[0].end_to_end_id == "S-1"
    assert second.status == "PDNG"


@pytest.mark.parametrize("version", ["03", "10"])
def test_pain002_statuses_at_every_level(version: str) -> None:
    content = pain002(
        version,
        group_status="PART",
        payments=[
            payment(
                "PMT-1",
                None,
                [
                    status("E2E-1", "ACSC"),
                    status(
                        "E2E-2",
                        "RJCT",
                        "AC04",
                        info=["Konto lukket", "kontakt banken"],
                        amount=("10.00", "DKK"),
                    ),
                ],
            ),
            payment("PMT-2", "RJCT", [], reason="AM04"),
        ],
    )
    bank_file = read_bank_file(content, "sts.xml")
    assert (bank_file.message, bank_file.kind, bank_file.entries) == (
        f"pain.002.001.{version}",
        "pain002",
        (),
    )
    group, ok, rejected, block = bank_file.statuses
    assert (group.level, group.status, group.original_message_id) == ("group", "PART", "PAY-1")
    assert (ok.level, ok.original_end_to_end_id, ok.status, ok.reason) == (
        "transaction",
        "E2E-1",
        "ACSC",
        None,
    )
    assert ok.original_payment_information_id == "PMT-1"
    assert (rejected.status, rejected.reason) == ("RJCT", "AC04")
    assert rejected.additional_info == "Konto lukket kontakt banken"
    assert (rejected.amount, rejected.currency) == (Decimal("10.00"), "DKK")
    assert (block.level, block.status, block.reason, block.original_end_to_end_id) == (
        "payment",
        "RJCT",
        "AM04",
        None,
    )


def test_the_supported_messages_are_the_proven_versions() -> None:
    assert supported_messages() == [
        "camt.054.001.02",
        "camt.054.001.08",
        "camt.053.001.02",
        "camt.053.001.08",
        "pain.002.001.03",
        "pain.002.001.10",
    ]


def test_several_notifications_each_name_their_own_account() -> None:
    first = camt054("02", [entry("DBIT", "1.00")], iban="DK5000400440116243")
    second = camt054("02", [entry("CRDT", "2.00"), entry("DBIT", "3.00")], iban="DK9600400440116243")
    start = second.index(b"<Ntfctn>")
    both = first.replace(b"</Ntfctn>", b"</Ntfctn>" + second[start : second.index(b"</Ntfctn>") + 9])
    entries = read_bank_file(both, "two.xml").entries
    assert [(e.amount, e.account.identifier if e.account else None) for e in entries] == [
        (Decimal("1.00"), "DK5000400440116243"),
        (Decimal("2.00"), "DK9600400440116243"),
        (Decimal("3.00"), "DK9600400440116243"),
    ]


def test_a_statement_of_ten_thousand_entries_reads_quickly() -> None:
    many = [
        entry("DBIT", f"{i}.25", [tx(amount=f"{i}.25", end_to_end_id=f"E2E-{i}", creditor_name="A/S")])
        for i in range(1, 10_001)
    ]
    content = camt053("08", many)
    started = time.monotonic()
    entries = read_bank_file(content, "big.xml").entries
    assert time.monotonic() - started < 10
    assert len(entries) == 10_000 and entries[-1].transactions[0].end_to_end_id == "E2E-10000"
    assert sum(e.amount for e in entries) == sum(Decimal(f"{i}.25") for i in range(1, 10_001))
