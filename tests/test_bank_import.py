"""Importing bank files over a store whose invoices the robot posted from the samples: payments
matched and recorded in the invoices' journeys, returns and rejections reopening invoices with an
alert, unmatched payments kept with their candidates, the same file twice changing nothing."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from connectors.bank_folder import BankFolder
from robot.bank.importer import PaymentImporter
from robot.cli.runs_cmd import samples_dir
from robot.configuration.wiring import build_robot
from robot.processing.customer_state import customer_state
from robot.running.run import RunOptions
from robot.store.payments import Payments
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, NoticeRow, PaymentMatchRow, PaymentRow
from tests.support.bankfiles import Ntry, camt053, camt054, entry, pain002, payment, status, tx

ALERTS = ("kreditor-drift@example.dk",)
KONTORLAND = "0003458721"  # 0001-peppol-clean.xml's account (KL-2026-0264, 22650.00 DKK)
NORDISK_FIK = "85123456"  # 0004-oioubl-clean-fik71.xml: FIK 71 000000202603528, 8300.00 DKK
ITS_IBAN = "DK0370400007812234"  # 0007-peppol-clean-iban-eur.xml: ITS-2026-0396, 2310.00 EUR


@pytest.fixture(scope="module")
def posted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One robot run over a copy of samples/: 30 invoices posted to the journal ledger."""
    work = tmp_path_factory.mktemp("posted")
    samples = samples_dir()
    shutil.copytree(samples, work / "samples")
    (work / "var" / "demo").mkdir(parents=True)
    shutil.copytree(samples / "inbox", work / "var" / "demo" / "inbox")
    robot, _ = build_robot(work / "samples" / "fakturarobot.yaml", database_url=f"sqlite:///{work}/robot.db")
    robot.run(RunOptions(trigger="test"))
    robot.store.close()
    return work / "robot.db"


@pytest.fixture
def store(posted_db: Path, tmp_path: Path) -> Store:
    shutil.copy(posted_db, tmp_path / "robot.db")
    s = Store.open(f"sqlite:///{tmp_path}/robot.db")
    yield s  # type: ignore[misc]
    s.close()


def _id(store: Store, number: str) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(InvoiceRow.id).where(InvoiceRow.invoice_number == number)) or 0)


def _events(store: Store, invoice_id: int, kind: str) -> list[Event]:
    with store.sessions() as s:
        return list(
            s.scalars(
                select(Event).where(Event.invoice_id == invoice_id, Event.kind == kind).order_by(Event.id)
            )
        )


def debit(amount: str, bank_reference: str = "BANKREF-1", **kw: object) -> Ntry:
    """A booked payment of ``amount`` with one transaction written with ``kw``."""
    return entry("DBIT", amount, [tx(amount=amount, **kw)], bank_reference=bank_reference)


def refers(*numbers: str) -> list[tuple[str, str | None]]:
    return [(n, None) for n in numbers]


def kontorland_paid(**kw: object) -> Ntry:
    """The transfer paying KL-2026-0264 in full, naming the invoice and Kontorland's account."""
    paid = tx(amount="22650.00", referred_documents=refers("KL-2026-0264"), creditor_iban=KONTORLAND)
    return entry("DBIT", "22650.00", [paid], **kw)


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _counts(store: Store) -> tuple[int, ...]:
    with store.sessions() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (PaymentRow, PaymentMatchRow, Event, NoticeRow)
        )


def test_each_kind_of_evidence_pays_its_invoice(store: Store, tmp_path: Path) -> None:
    notification = camt054(
        "08",
        [
            kontorland_paid(bank_reference="B-1"),
            debit(
                "8300.00",
                bank_reference="B-2",
                creditor_reference="000000202603528",
                reference_type=("Prtry", "71"),
                creditor_other=(NORDISK_FIK, "OCR"),
            ),
            entry(
                "DBIT",
                "17232.60",
                [
                    tx(
                        amount="17232.60",
                        ustrd=["Faktura ITS-2026-0396"],
                        creditor_iban=ITS_IBAN,
                        instructed=("2310.00", "EUR"),
                    )
                ],
                bank_reference="B-3",
            ),
        ],
    )
    [outcome] = PaymentImporter(store, alert_to=ALERTS).import_files(
        [_write(tmp_path, "ntf.xml", notification)]
    )
    assert (outcome.error, outcome.recorded, outcome.matched) == (None, 3, 3)
    with store.sessions() as s:
        evidence = dict(s.execute(select(PaymentRow.bank_reference, PaymentRow.evidence)).all())
    assert evidence == {"B-1": "referred-document", "B-2": "creditor-reference", "B-3": "remittance-text"}
    [paid] = _events(store, _id(store, "KL-2026-0264"), "paid")
    assert {k: paid.detail[k] for k in ("booking_date", "amount", "currency", "bank_reference")} == {
        "booking_date": "2026-12-01",
        "amount": "22650.00",
        "currency": "DKK",
        "bank_reference": "B-1",
    }
    assert isinstance(paid.detail["payment_id"], int) and paid.detail["partly"] is False
    [eur] = _events(store, _id(store, "ITS-2026-0396"), "paid")
    assert eur.detail["amount"] == "2310.00"
    row = store.invoice(_id(store, "KL-2026-0264"))
    assert customer_state(row, _events(store, row.id, "paid")).key == "paid"


def test_partial_payments_leave_the_rest_shown(store: Store, tmp_path: Path) -> None:
    importer = PaymentImporter(store)
    first = camt054(
        "02",
        [debit("10000.00", referred_documents=refers("KL-2026-0264"))],
    )
    second = camt054("02", [debit("12650.00", referred_documents=refers("KL-2026-0264"))], msg_id="NTF-2")
    importer.import_files([_write(tmp_path, "a.xml", first)])
    PaymentImporter(store).import_files(
        [_write(tmp_path, "b.xml", second)]
    )  # a later import reads what was paid
    paid = _events(store, _id(store, "KL-2026-0264"), "paid")
    assert [(Decimal(e.detail["remaining"]), e.detail["partly"]) for e in paid] == [
        (Decimal("12650"), True),
        (Decimal("0"), False),
    ]


def test_one_payment_for_several_invoices(store: Store, tmp_path: Path) -> None:
    content = camt054(
        "08",
        [
            debit(
                "18903.75",
                creditor_iban=KONTORLAND,
                referred_documents=[("KL-2026-0266", "12903.75"), ("KL-2026-0267", "6000.00")],
            )
        ],
    )
    [outcome] = PaymentImporter(store).import_files([_write(tmp_path, "multi.xml", content)])
    assert outcome.matched == 1
    for number, amount in (("KL-2026-0266", "12903.75"), ("KL-2026-0267", "6000.00")):
        [paid] = _events(store, _id(store, number), "paid")
        assert paid.detail["amount"] == amount


def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    content = camt054(
        "08",
        [
            debit("22650.00", referred_documents=refers("KL-2026-0264")),
            entry("DBIT", "5.00", [tx(amount="5.00", ustrd=["ukendt"])]),
        ],
    )
    path = _write(tmp_path, "ntf.xml", content)
    [first] = PaymentImporter(store, alert_to=ALERTS).import_files([path])
    before = _counts(store)
    [again] = PaymentImporter(store, alert_to=ALERTS).import_files([path])
    [renamed] = PaymentImporter(store, alert_to=ALERTS).import_files([_write(tmp_path, "copy.xml", content)])
    assert (first.recorded, again.recorded, renamed.recorded) == (2, 0, 0)
    assert not again.new and _counts(store) == before


def test_an_unmatched_and_an_ambiguous_payment_are_kept_with_their_candidates(
    store: Store, tmp_path: Path
) -> None:
    # two invoices with one number (a supplier who numbered two invoices alike): never guessed between
    with store.sessions.begin() as s:
        s.execute(
            update(InvoiceRow)
            .where(InvoiceRow.invoice_number == "BL20260357")
            .values(invoice_number="BL20260356")
        )
    content = camt054(
        "08",
        [
            debit("7818.75", referred_documents=refers("BL20260356"), bank_reference="AMB"),
            entry(
                "DBIT",
                "999.00",
                [tx(amount="999.00", ustrd=["KL-2026-0266"], creditor_iban=KONTORLAND)],
                bank_reference="NONE",
            ),
        ],
    )
    [outcome] = PaymentImporter(store).import_files([_write(tmp_path, "ntf.xml", content)])
    assert (outcome.ambiguous, outcome.unmatched, outcome.matched) == (1, 1, 0)
    listed = {p.bank_reference: p for p in Payments(store.sessions).listed()}
    assert sorted(c["invoice_number"] for c in listed["AMB"].candidates["invoices"]) == [
        "BL20260356",
        "BL20260356",
    ]
    assert [c["invoice_number"] for c in listed["NONE"].candidates["invoices"]] == ["KL-2026-0266"]
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PaymentMatchRow)) == 0
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "paid")) == 0


def test_a_rejected_payment_reopens_the_invoice_with_an_alert(store: Store, tmp_path: Path) -> None:
    invoice_id = _id(store, "NR20260352")
    paid = camt054("08", [debit("8300.00", end_to_end_id="E2E-NR", referred_documents=refers("NR20260352"))])
    rejected = pain002(
        "03", payments=[payment("PMT-1", None, [status("E2E-NR", "RJCT", "AC04", info=["Konto lukket"])])]
    )
    importer = PaymentImporter(store, alert_to=ALERTS)
    importer.import_files([_write(tmp_path, "paid.xml", paid)])
    [outcome] = PaymentImporter(store, alert_to=ALERTS).import_files([_write(tmp_path, "sts.xml", rejected)])
    assert (outcome.rejected, outcome.alerts) == (1, 1)
    [failed] = _events(store, invoice_id, "payment-failed")
    assert (failed.detail["status"], failed.detail["reason"]) == ("RJCT", "AC04")
    assert "bank_reference" in failed.detail and isinstance(failed.detail["payment_id"], int)
    row = store.invoice(invoice_id)
    journey = sorted([*_events(store, invoice_id, "paid"), failed], key=lambda e: e.id)
    assert row.state == "posted" and customer_state(row, journey).key == "payment-failed"
    with store.sessions() as s:
        [alert] = s.scalars(select(NoticeRow).where(NoticeRow.kind == "payment-alert")).all()
    assert alert.state == "pending" and alert.recipients == ALERTS[0] and "AC04" in alert.body_text
    assert next(o for o in Payments(store.sessions).open_invoices() if o.id == invoice_id).paid == 0


def test_a_returned_transfer_reopens_the_invoice(store: Store, tmp_path: Path) -> None:
    invoice_id = _id(store, "KL-2026-0264")
    paid = camt054(
        "08",
        [kontorland_paid()],
    )
    back = camt053(
        "08",
        [
            entry(
                "CRDT",
                "22650.00",
                [
                    tx(
                        amount="22650.00",
                        referred_documents=refers("KL-2026-0264"),
                        debtor_iban=KONTORLAND,
                        return_reason="AC01",
                    )
                ],
                reversal=True,
                bank_reference="RET-1",
            )
        ],
    )
    PaymentImporter(store, alert_to=ALERTS).import_files([_write(tmp_path, "p.xml", paid)])
    [outcome] = PaymentImporter(store, alert_to=ALERTS).import_files([_write(tmp_path, "r.xml", back)])
    assert (outcome.rejected, outcome.alerts) == (1, 1)
    [failed] = _events(store, invoice_id, "payment-failed")
    assert failed.detail == {
        "status": "returned",
        "reason": "AC01",
        "bank_reference": "RET-1",
        "payment_id": failed.detail["payment_id"],
    }
    assert next(o for o in Payments(store.sessions).open_invoices() if o.id == invoice_id).paid == 0


def test_one_bad_file_never_stops_the_others(store: Store, tmp_path: Path) -> None:
    good = camt054("08", [debit("22650.00", referred_documents=refers("KL-2026-0264"))])
    bad = _write(tmp_path, "bad.xml", b"<Document>not a bank file")
    missing = tmp_path / "gone.xml"
    outcomes = PaymentImporter(store).import_files([bad, missing, _write(tmp_path, "good.xml", good)])
    assert [o.error is not None for o in outcomes] == [True, True, False]
    assert outcomes[2].matched == 1


def test_the_bank_folder_is_imported_and_emptied(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    folder.mkdir()
    _write(folder, "ntf.xml", camt054("08", [debit("22650.00", referred_documents=refers("KL-2026-0264"))]))
    [outcome] = PaymentImporter(store).import_source(BankFolder(folder, settle_seconds=0))
    assert (
        outcome.matched == 1 and not (folder / "ntf.xml").exists() and (folder / ".done" / "ntf.xml").exists()
    )


def test_the_cli_imports_the_configured_folder_and_lists_the_unmatched(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from robot.cli.payments_cmd import bank_import, payments

    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    url = str(store.engine.url)
    folder = tmp_path / "bank"
    folder.mkdir()
    hostile = "<script>alert(1)</script> KL-2026-0266 [/bold]"
    _write(folder, "ntf.xml", camt054("08", [debit("1.00", ustrd=[hostile], creditor_iban=KONTORLAND)]))
    config = tmp_path / "fakturarobot.yaml"
    text = (samples_dir() / "fakturarobot.yaml").read_text(encoding="utf-8")
    text = text.replace("sqlite:///../var/demo/fakturarobot.db", url).replace("../var/demo", str(tmp_path))
    for name in ("customers.yaml", "vendors.yaml", "orders.yaml", "pdf-templates"):
        text = text.replace(name, str(samples_dir() / name))
    config.write_text(text + "\nbank:\n  kind: folder\n  folder: bank\n  settle_seconds: 0\n")
    assert bank_import(config, []) == 0
    assert "1 payments recorded (0 matched, 1 unmatched" in capsys.readouterr().out
    payments(unmatched=True, as_json=True, limit=100, database=url, config=None)
    [line] = capsys.readouterr().out.splitlines()
    listed = json.loads(line)
    assert (listed["status"], listed["remittance_text"]) == ("unmatched", hostile)
    assert [c["invoice_number"] for c in listed["candidates"]] == ["KL-2026-0266"]
    payments(unmatched=True, as_json=False, limit=100, database=url, config=None)
    shown = capsys.readouterr().out
    assert "KL-2026-0266" in shown
    assert bank_import(config, [tmp_path / "missing.xml"]) == 1


def test_a_statement_repeating_a_notification_pays_nothing_twice(store: Store, tmp_path: Path) -> None:
    pay = debit("22650.00", bank_reference="AS-77", referred_documents=refers("KL-2026-0264"))
    PaymentImporter(store).import_files([_write(tmp_path, "ntf.xml", camt054("08", [pay]))])
    [outcome] = PaymentImporter(store).import_files([_write(tmp_path, "stmt.xml", camt053("08", [pay]))])
    assert (outcome.recorded, outcome.repeat, outcome.matched) == (1, 1, 0)
    assert len(_events(store, _id(store, "KL-2026-0264"), "paid")) == 1
    other_day = debit("22650.00", bank_reference="AS-78", referred_documents=refers("KL-2026-0264"))
    [later] = PaymentImporter(store).import_files([_write(tmp_path, "ntf2.xml", camt054("08", [other_day]))])
    assert later.matched == 1  # another bank reference: a payment of its own


def test_on_postgresql_a_file_twice_and_a_rejection(pg_fresh_url: str, tmp_path: Path) -> None:
    work = tmp_path / "w"
    samples = samples_dir()
    shutil.copytree(samples, work / "samples")
    shutil.copytree(samples / "inbox", work / "var" / "demo" / "inbox")
    robot, _ = build_robot(work / "samples" / "fakturarobot.yaml", database_url=pg_fresh_url)
    robot.run(RunOptions(trigger="test"))
    robot.store.close()
    store = Store.open(pg_fresh_url)
    try:
        paid = camt054(
            "02", [debit("8300.00", end_to_end_id="E2E-PG", referred_documents=refers("NR20260352"))]
        )
        rejected = pain002("10", payments=[payment("PMT-1", None, [status("E2E-PG", "RJCT", "AM04")])])
        path = _write(tmp_path, "p.xml", paid)
        [first] = PaymentImporter(store, alert_to=ALERTS).import_files([path])
        [again] = PaymentImporter(store, alert_to=ALERTS).import_files([path])
        [bounced] = PaymentImporter(store, alert_to=ALERTS).import_files(
            [_write(tmp_path, "s.xml", rejected)]
        )
        assert (first.matched, again.recorded, bounced.rejected, bounced.alerts) == (1, 0, 1, 1)
        invoice_id = _id(store, "NR20260352")
        [failed] = _events(store, invoice_id, "payment-failed")
        assert failed.detail["reason"] == "AM04"
        assert next(o for o in Payments(store.sessions).open_invoices() if o.id == invoice_id).paid == 0
    finally:
        store.close()


def test_money_in_and_its_reversal_touch_no_invoice(store: Store, tmp_path: Path) -> None:
    refund = entry("CRDT", "22650.00", [tx(amount="22650.00", referred_documents=refers("KL-2026-0264"))])
    undone = entry(
        "DBIT", "22650.00", [tx(amount="22650.00", referred_documents=refers("KL-2026-0264"))], reversal=True
    )
    [outcome] = PaymentImporter(store, alert_to=ALERTS).import_files(
        [_write(tmp_path, "in.xml", camt054("08", [refund, undone]))]
    )
    assert (outcome.error, outcome.recorded, outcome.alerts) == (None, 0, 0)
    assert _counts(store)[0] == 0


def test_the_vendor_masters_account_counts_for_an_invoice_that_names_none(
    store: Store, tmp_path: Path
) -> None:
    # 0009 is paid to NemKonto (no account on the invoice); the master knows Blomsterhandlen's 5301 0000123456
    pay = debit("7818.75", ustrd=["Faktura BL20260356"], creditor_iban="DK8553010000123456")
    path = _write(tmp_path, "ntf.xml", camt054("08", [pay]))
    [without] = PaymentImporter(store).import_files([path])
    assert without.unmatched == 1
    again = debit("7818.75", "BANKREF-2", ustrd=["Faktura BL20260356"], creditor_iban="DK8553010000123456")
    other = _write(tmp_path, "ntf2.xml", camt054("08", [again]))
    master = {"91210010": ["53010000123456", "0000123456"]}
    [with_master] = PaymentImporter(store, supplier_accounts=master).import_files([other])
    assert with_master.matched == 1
    [paid] = _events(store, _id(store, "BL20260356"), "paid")
    assert paid.detail["amount"] == "7818.75"
