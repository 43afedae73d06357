"""The demo's bank files (samples/bank/): read back with robot/bank's readers, each kind of evidence
there with the posted invoices' own values, deterministic, and matched as the demo means them to be."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from robot.bank.iso20022 import read_bank_file
from robot.bank.matching import (
    Candidate,
    account_forms,
    invoice_accounts,
    invoice_references,
    match_status,
    match_transaction,
)
from robot.bank.model import BankFile, Transaction
from robot.bank.serialize import to_json
from robot.demo.samplegen import bank, load_manifest
from robot.demo.samplegen.scenarios import build
from robot.readers import read_document
from tests.conftest import SAMPLES

BANK = SAMPLES / "bank"
MANIFEST = load_manifest(SAMPLES / "manifest.yaml")
PAYMENTS = {p.kind: p for p in bank.payments(bank.posted(build(MANIFEST.seed)[0]))}


def _read(prefix: str) -> BankFile:
    (path,) = sorted(BANK.glob(f"{prefix}-*.xml"))
    return read_bank_file(path.read_bytes(), path.name)


def _posted() -> dict[str, tuple[Decimal, frozenset[str], frozenset[str]]]:
    """The posted invoices of the samples as read: number → (payable, accounts, references)."""
    out = {}
    for e in MANIFEST.entries:
        if e.verdict == "post" and e.document_type == "invoice" and e.file.endswith(".xml"):
            inv = read_document((SAMPLES / "inbox" / e.file).read_bytes())
            assert inv.number is not None and inv.totals.payable is not None
            means = inv.payment_means
            out[inv.number] = (inv.totals.payable, invoice_accounts(means), invoice_references(means))
    return out


POSTED = _posted()


def _tx(kind: str) -> Transaction:
    wanted = PAYMENTS[kind].e2e
    return next(t for e in _read("camt054").entries for t in e.transactions if t.end_to_end_id == wanted)


def test_the_bank_files_are_a_camt054_08_and_a_pain002_10() -> None:
    assert sorted(p.name[:7] for p in BANK.glob("*.xml")) == ["camt054", "pain002"]
    camt, pain = _read("camt054"), _read("pain002")
    assert (camt.message, pain.message) == ("camt.054.001.08", "pain.002.001.10")
    assert camt.created_at is not None and camt.created_at.utcoffset() is not None
    assert {e.direction for e in camt.entries} == {"debit"}
    assert [len(e.transactions) for e in camt.entries] == [1] * len(PAYMENTS)
    assert all(e.account and e.account.identifier == bank.OUR_IBAN for e in camt.entries)


def test_amounts_are_decimal_strings_as_written() -> None:
    data = to_json(_read("camt054"))
    entries = data["entries"]
    assert isinstance(entries, list)
    for entry in entries:
        assert isinstance(entry, dict) and isinstance(entry["amount"], str)
        assert Decimal(entry["amount"]).as_tuple().exponent == -2
        (tx,) = entry["transactions"]
        assert tx["amount"] == entry["amount"]


@pytest.mark.parametrize("card", ["71", "75"])
def test_fik_payment_id_with_the_creditor_number(card: str) -> None:
    t = _tx(f"fik-{card}")
    ref = t.creditor_reference
    assert ref is not None and (ref.kind, ref.card) == ("fik", card)
    (number,) = PAYMENTS[f"fik-{card}"].invoices
    payable, accounts, references = POSTED[number]
    assert f"fik:{ref.reference.lstrip('0')}" in references
    assert t.counterparty_account is not None and t.counterparty_account.identifier in accounts
    assert t.amount == payable


def test_referred_document_number_and_amount() -> None:
    t = _tx("referred-document")
    assert t.referred_document_number in POSTED and t.creditor_reference is None
    assert t.remittances[0].referred_document_amount == t.amount == POSTED[t.referred_document_number][0]


def test_invoice_number_in_the_text_with_amount_and_account() -> None:
    t = _tx("remittance-text")
    assert t.referred_document_number is None and t.creditor_reference is None and t.remittances == ()
    named = [n for n in POSTED if n in (t.remittance_text or "")]
    assert len(named) == 1
    payable, accounts, _ = POSTED[named[0]]
    assert t.amount == payable
    assert t.counterparty_account is not None
    assert account_forms(t.counterparty_account.identifier) & accounts
    assert named == list(PAYMENTS["remittance-text"].invoices)


def test_a_partial_payment_and_one_payment_for_two_invoices() -> None:
    part = _tx("partial")
    assert part.referred_document_number in POSTED
    assert part.amount is not None and 0 < part.amount < POSTED[part.referred_document_number][0]
    both = _tx("two-invoices")
    numbers = [r.referred_document_number for r in both.remittances]
    assert len(numbers) == 2 and all(n in POSTED for n in numbers)
    assert [r.referred_document_amount for r in both.remittances] == [POSTED[n][0] for n in numbers if n]
    assert both.amount == sum(POSTED[n][0] for n in numbers if n)


def test_the_unmatched_payment_has_an_rf_reference_no_invoice_has() -> None:
    t = _tx("unmatched")
    ref = t.creditor_reference
    assert ref is not None and ref.kind == "rf"
    assert all(f"rf:{ref.reference}" not in refs for _, _, refs in POSTED.values())
    assert not any(n in (t.remittance_text or "") for n in POSTED)


def test_the_pain002_rejects_a_paid_invoice_s_payment_account_closed() -> None:
    statuses = _read("pain002").statuses
    rejected = [s for s in statuses if s.status == "RJCT"]
    assert len(rejected) == 1 and rejected[0].level == "transaction"
    assert rejected[0].reason == "AC04"
    t = _tx("remittance-text")
    assert rejected[0].original_end_to_end_id == t.end_to_end_id
    assert rejected[0].amount == t.amount


def test_two_generations_are_byte_identical(tmp_path: Path) -> None:
    entries = build(MANIFEST.seed)[0]
    first = bank.write(tmp_path / "a", entries)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "stale.xml").write_text("<old/>")
    second = bank.write(tmp_path / "b", build(MANIFEST.seed)[0])
    assert first == second == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in first:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (BANK / name).read_bytes()


def test_the_matcher_finds_what_each_payment_was_meant_to_show() -> None:
    """Pure matching over the posted invoices as read (no store): each kind's evidence decides."""
    candidates = {
        n: Candidate(i, n, payable, "DKK", accounts=accounts, references=refs)
        for i, (n, (payable, accounts, refs)) in enumerate(sorted(POSTED.items()))
    }
    by_id = {c.invoice_id: n for n, c in candidates.items()}
    expected = {
        "fik-71": "creditor-reference",
        "fik-75": "creditor-reference",
        "referred-document": "referred-document",
        "remittance-text": "remittance-text",
        "partial": "referred-document",
        "two-invoices": "referred-document",
    }
    for kind, evidence in expected.items():
        t = _tx(kind)
        result = match_transaction(t, list(candidates.values()))
        assert (result.status, result.evidence) == ("matched", evidence), kind
        assert sum(a.amount or 0 for a in result.allocations) == t.amount
        for a in result.allocations:
            c = candidates[by_id[a.invoice_id]]
            e2e = c.end_to_end_ids | {t.end_to_end_id or ""}
            candidates[c.invoice_number or ""] = dataclasses.replace(c, end_to_end_ids=e2e)
    assert len(match_transaction(_tx("partial"), list(candidates.values())).allocations) == 1
    assert match_transaction(_tx("unmatched"), list(candidates.values())).status == "unmatched"
    (rejection,) = [s for s in _read("pain002").statuses if s.status == "RJCT"]
    result = match_status(rejection, list(candidates.values()))
    assert result is not None and result.status == "rejected"
    assert tuple(by_id[a.invoice_id] for a in result.allocations) == PAYMENTS["remittance-text"].invoices


def test_a_demo_run_then_the_import_gives_paid_partly_paid_failed_and_unmatched(tmp_path: Path) -> None:
    importer_module = pytest.importorskip("robot.bank.importer")
    from sqlalchemy import select

    from robot.configuration.wiring import build_robot
    from robot.running.run import RunOptions
    from robot.store.payments import Payments
    from robot.store.schema import Event, InvoiceRow

    shutil.copytree(SAMPLES, tmp_path / "samples")
    (tmp_path / "var" / "demo").mkdir(parents=True)
    shutil.copytree(SAMPLES / "inbox", tmp_path / "var" / "demo" / "inbox")
    url = f"sqlite:///{tmp_path}/robot.db"
    robot, _ = build_robot(tmp_path / "samples" / "fakturarobot.yaml", database_url=url)
    robot.run(RunOptions(trigger="test"))
    store = robot.store
    try:
        importer = importer_module.PaymentImporter(store, alert_to=("kreditor@example.dk",))
        files = sorted((tmp_path / "samples" / "bank").glob("*.xml"))
        outcomes = importer.import_files(files)
        assert [o.error for o in outcomes] == [None, None]
        assert (outcomes[0].matched, outcomes[0].unmatched, outcomes[1].rejected) == (6, 1, 1)
        with store.sessions() as s:
            number_of = {i: n for i, n in s.execute(select(InvoiceRow.id, InvoiceRow.invoice_number))}
            events = s.execute(
                select(Event.invoice_id, Event.kind).where(Event.kind.in_(("paid", "payment-failed")))
            ).all()
        kinds: dict[str, list[str]] = {}
        for invoice_id, kind in events:
            kinds.setdefault(number_of[invoice_id] or "", []).append(kind)
        paid = {n: inv.paid for inv in Payments(store.sessions).open_invoices() if (n := inv.invoice_number)}
        (rejected,) = PAYMENTS["remittance-text"].invoices
        assert kinds[rejected] == ["paid", "payment-failed"] and paid[rejected] == 0
        part = PAYMENTS["partial"]
        number = part.documents[0][0]
        assert kinds[number] == ["paid"] and paid[number] == part.amount < POSTED[number][0]
        for kind in ("fik-71", "fik-75", "referred-document", "two-invoices"):
            for number in PAYMENTS[kind].invoices:
                assert kinds[number] == ["paid"] and paid[number] == POSTED[number][0], (kind, number)
        unmatched = Payments(store.sessions).listed()
        assert [(p.status, p.amount) for p in unmatched] == [("unmatched", bank.UNKNOWN_AMOUNT)]
        again = importer_module.PaymentImporter(store).import_files(sorted(files))
        assert [o.recorded for o in again] == [0, 0]
    finally:
        store.close()


def test_the_demo_shows_paid_bounced_and_unmatched_payments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fakturarobot demo` imports samples/bank/ after its run; --keep imports nothing twice."""
    pytest.importorskip("robot.bank.importer")
    import json

    from typer.testing import CliRunner

    from robot.cli.app import _register, app

    _register()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    shutil.copytree(SAMPLES, tmp_path / "samples")
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)["bank"]
    assert got["files"] == sorted(p.name for p in BANK.glob("*.xml")) and got["errors"] == []
    numbers = {k: [p["number"] for p in got[k]] for k in ("paid", "partly_paid", "payment_failed")}
    meant = [
        n
        for kind in ("fik-71", "fik-75", "referred-document", "two-invoices")
        for n in PAYMENTS[kind].invoices
    ]
    assert sorted(numbers["paid"]) == sorted(meant)
    assert numbers["partly_paid"] == list(PAYMENTS["partial"].invoices)
    assert numbers["payment_failed"] == list(PAYMENTS["remittance-text"].invoices)
    assert got["payment_failed"][0]["reason"] == bank.REJECTED_REASON
    assert got["partly_paid"][0]["paid"] == str(PAYMENTS["partial"].amount)
    assert [(u["status"], u["amount"], u["counterparty"]) for u in got["unmatched"]] == [
        ("unmatched", str(bank.UNKNOWN_AMOUNT), bank.UNKNOWN[0])
    ]
    assert got["alerts"] == 1
    assert sorted(p.name for p in (tmp_path / "var" / "demo" / "bank" / ".done").iterdir()) == got["files"]

    again = CliRunner().invoke(app, ["demo", "--json", "--keep"])
    assert again.exit_code == 0, again.output
    kept = json.loads(again.stdout)["bank"]
    assert kept["files"] == [] and kept["alerts"] == 0
    assert {k: kept[k] for k in numbers} == {k: got[k] for k in numbers}
    assert kept["unmatched"] == got["unmatched"]

    text = CliRunner().invoke(app, ["demo"])
    assert text.exit_code == 0
    assert (
        "payment failed" in text.stdout and "partly paid" in text.stdout and "Nordisk Inkasso" in text.stdout
    )
