"""Decisions checked before they are accepted, and the hold queue told as it is, via the CLI.

A run over the samples holds what the manifest says; then people act through ``fakturarobot
release`` and see the result with ``held`` and ``show``:

- a release the next run could not carry out (an unreadable document, a supplier the vendor master
  does not have) is refused with what to do instead, and changes nothing;
- a release of changed bank details needs a note, and where the customer's criteria ask for four
  eyes, a second, different person (on SQLite and on PostgreSQL, where two people may act at once);
- after a release, ``held`` and ``show`` say who released it and that it waits for the next run;
  a second release says so too (not "is classified, not held").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from connectors.testing.fakes import MemoryLedger, MemoryNotifier
from robot.cli.app import _register, app
from robot.errors import StoreError
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES, sample_source
from tests.support.databases import BOTH, database_url

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
CONFIG = SAMPLES / "fakturarobot.yaml"
BANK = "0044-oioubl-bank-account-differs.xml"  # VENDOR-BANK, customer MFP
UNKNOWN = "0046-peppol-unknown-supplier.xml"  # VENDOR-UNKNOWN
UNREADABLE = "0064-pdf-damaged.pdf"  # READ-ERROR
PDF = "0056-pdf-printed-held.pdf"  # PDF-TEXT


class Desk:
    """A store after one run over the samples, and the creditor team's command line on it."""

    def __init__(self, url: str, config: Path = CONFIG, customers: Path = SAMPLES / "customers.yaml") -> None:
        self.url, self.config, self.customers = url, config, customers
        self.source, self.ledger = sample_source(), MemoryLedger()
        self.run()
        _register()
        self.runner = CliRunner()

    def run(self) -> None:
        store = Store.open(self.url)
        try:
            master = MasterData.load(self.customers, SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
            templates = TemplateSet.load([SAMPLES / "pdf-templates"])
            robot = Robot(
                store,
                master,
                source=self.source,
                ledger=self.ledger,
                notifier=MemoryNotifier(),
                pdf_templates=templates,
            )
            robot.run(RunOptions())
        finally:
            store.close()

    def cli(self, *args: str, config: bool = True) -> tuple[int, str]:
        extra = ["--database", self.url, *(["--config", str(self.config)] if config else [])]
        result = self.runner.invoke(app, [*args, *extra], env={"COLUMNS": "80"})
        return result.exit_code, result.output

    def id(self, file: str) -> int:
        store = Store.open(self.url)
        try:
            [row] = store.find_invoices(file)
            return row.id
        finally:
            store.close()

    def state(self, file: str) -> str:
        store = Store.open(self.url)
        try:
            return store.invoice(self.id(file)).state
        finally:
            store.close()

    def events(self, file: str) -> list[str]:
        code, out = self.cli("show", str(self.id(file)), "--json", config=False)
        assert code == 0, out
        return [e["kind"] for e in json.loads(out)["events"]]


def _four_eyes_config(tmp_path: Path) -> Path:
    """The sample configuration, with customer MFP asking for four eyes on bank-detail holds."""
    customers = yaml.safe_load((SAMPLES / "customers.yaml").read_text(encoding="utf-8"))
    for customer in customers["customers"]:
        if customer["id"] == "MFP":
            customer.setdefault("criteria", {})["four_eyes"] = ["bank-details"]
    (tmp_path / "customers.yaml").write_text(yaml.safe_dump(customers), encoding="utf-8")
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config.update(
        customers=str(tmp_path / "customers.yaml"),
        vendors=str(SAMPLES / "vendors.yaml"),
        orders=str(SAMPLES / "orders.yaml"),
        schedules=str(SAMPLES.parent / "schedules.yaml"),
        pdf_templates=[str(SAMPLES / "pdf-templates")],
        source={"kind": "folder", "inbox": str(tmp_path / "inbox")},
        ledger={"kind": "journal", "path": str(tmp_path / "ledger.jsonl")},
        notifier={"kind": "eml", "outbox": str(tmp_path / "outbox")},
    )
    path = tmp_path / "fakturarobot.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(f"sqlite:///{tmp_path}/store.db")


@pytest.fixture(params=BOTH)
def four_eyes_desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    yield Desk(database_url(request, tmp_path), _four_eyes_config(tmp_path))


# --- release refuses what a run could not post --------------------------------------------------


def test_release_of_an_unreadable_document_is_refused_with_what_to_do(desk: Desk) -> None:
    invoice = desk.id(UNREADABLE)
    code, out = desk.cli("release", str(invoice), "--by", "ANJE", "--note", "looked at it")
    assert code == 2, out
    assert f"invoice {invoice} cannot be released" in out and "READ-ERROR" in out
    assert "template" in out and f"fakturarobot retry {invoice}" in out
    assert "next run has it posted" not in out
    assert desk.state(UNREADABLE) == InvoiceState.HELD and "released" not in desk.events(UNREADABLE)


def test_release_of_an_unknown_supplier_is_refused_with_what_to_do(desk: Desk) -> None:
    invoice = desk.id(UNKNOWN)
    code, out = desk.cli("release", str(invoice), "--by", "ANJE", "--note", "known to us")
    assert code == 2, out
    assert "not in the vendor master" in out and "POST-NO-VENDOR" in out
    assert "vendors.yaml" in out and f"fakturarobot retry {invoice}" in out
    assert desk.state(UNKNOWN) == InvoiceState.HELD and "released" not in desk.events(UNKNOWN)
    desk.run()  # and the next run has nothing to hold again silently
    assert desk.events(UNKNOWN).count("held") == 1


def test_release_of_an_exact_duplicate_is_refused_the_erp_takes_an_invoice_once(tmp_path: Path) -> None:
    """A customer who holds exact duplicates (DUP-NUMBER) instead of returning them: releasing one
    is refused, since its posting key (vendor, number, year) is the original's."""
    customers = yaml.safe_load((SAMPLES / "customers.yaml").read_text(encoding="utf-8"))
    for customer in customers["customers"]:
        criteria = customer.setdefault("criteria", {})
        criteria.setdefault("rules", {})["DUP-NUMBER"] = {"disposition": "hold"}
    path = tmp_path / "customers.yaml"
    path.write_text(yaml.safe_dump(customers), encoding="utf-8")
    desk = Desk(f"sqlite:///{tmp_path}/store.db", customers=path)
    duplicate, original = desk.id("0041-peppol-duplicate.xml"), desk.id("0001-peppol-clean.xml")
    assert desk.state("0041-peppol-duplicate.xml") == InvoiceState.HELD
    assert desk.state("0001-peppol-clean.xml") == InvoiceState.POSTED
    code, out = desk.cli("release", str(duplicate), "--by", "ANJE", "--note", "not a duplicate")
    assert code == 2, out
    assert "POSTING-EXISTS" in out and f"invoice {original} is already posted" in out
    assert f"fakturarobot return {duplicate}" in out
    assert desk.state("0041-peppol-duplicate.xml") == InvoiceState.HELD


def test_release_needs_the_configuration_to_check_the_invoice(desk: Desk) -> None:
    code, out = desk.cli(
        "release", str(desk.id(PDF)), "--by", "ANJE", "--config", "/nonexistent.yaml", config=False
    )
    assert code == 2 and "configuration file not found" in out
    assert desk.state(PDF) == InvoiceState.HELD


# --- after a release: the state shown is true ---------------------------------------------------


def test_after_a_release_held_and_show_say_who_released_it_and_that_it_waits(desk: Desk) -> None:
    invoice = desk.id(PDF)
    code, out = desk.cli("release", str(invoice), "--by", "ANJE", "--note", "checked against the PDF")
    assert code == 0, out
    assert "released by ANJE at " in out and "waiting for the next run" in out

    code, shown = desk.cli("show", str(invoice), config=False)
    assert code == 0, shown
    assert "released by ANJE at " in " ".join(shown.split()) and "waiting for the next run" in shown
    assert "classified" not in shown.split("Findings")[0]  # the header does not say "classified"
    code, raw = desk.cli("show", str(invoice), "--json", config=False)
    data = json.loads(raw)
    assert data["status"].startswith("released by ANJE at ") and data["state"] == "classified"

    code, queue = desk.cli("held", config=False)
    assert code == 0
    waiting = queue.split("Decided, waiting for the next run: 1")[1]
    assert f"{invoice} " in waiting and "released by ANJE" in " ".join(waiting.split())
    code, lines = desk.cli("held", "--json", config=False)
    assert invoice not in [json.loads(line)["invoice_id"] for line in lines.splitlines()]

    desk.run()
    assert desk.state(PDF) == InvoiceState.POSTED
    code, shown = desk.cli("show", str(invoice), config=False)
    assert "waiting for the next run" not in shown and "posted" in shown


def test_a_second_release_says_who_released_it_not_classified(desk: Desk) -> None:
    invoice = desk.id(PDF)
    assert desk.cli("release", str(invoice), "--by", "ANJE", "--note", "checked")[0] == 0
    code, out = desk.cli("release", str(invoice), "--by", "KAJE")
    assert code == 2
    assert "is classified" not in out
    assert "released by ANJE at " in out and "waiting for the next run" in out
    assert desk.events(PDF).count("released") == 1


# --- changed bank details: a note, and four eyes where the customer asks ------------------------


def test_releasing_changed_bank_details_needs_a_note(desk: Desk) -> None:
    invoice = desk.id(BANK)
    code, out = desk.cli("release", str(invoice), "--by", "ANJE")
    assert code == 2, out
    assert "changed bank details" in out and "VENDOR-BANK" in out and "--note" in out
    assert desk.state(BANK) == InvoiceState.HELD
    code, out = desk.cli(
        "release", str(invoice), "--by", "ANJE", "--note", "called the supplier on the master's number"
    )
    assert code == 0 and "released by ANJE" in out  # MFP's criteria in the samples ask for no four eyes


def test_four_eyes_a_second_different_person_completes_the_release(four_eyes_desk: Desk) -> None:
    desk = four_eyes_desk
    invoice = desk.id(BANK)
    note = ["--note", "called the supplier on the master's number"]
    code, out = desk.cli("release", str(invoice), "--by", "ANJE", *note)
    assert code == 0, out
    assert "approved by ANJE" in out and "waiting for a second person" in out
    assert desk.state(BANK) == InvoiceState.HELD

    code, queue = desk.cli("held", config=False)
    flat = " ".join(queue.split())
    assert "approved by ANJE" in flat and "waiting for a second person" in flat
    [line] = [
        json.loads(x)
        for x in desk.cli("held", "--json", config=False)[1].splitlines()
        if json.loads(x)["invoice_id"] == invoice
    ]
    assert "approved by ANJE" in line["status"]
    code, shown = desk.cli("show", str(invoice), config=False)
    assert "approved by ANJE" in " ".join(shown.split()) and "release approved" in shown

    for same in ("ANJE", " anje "):
        code, out = desk.cli("release", str(invoice), "--by", same, *note)
        assert code == 2 and "second person" in out, out
    code, out = desk.cli("release", str(invoice), "--by", "KAJE", "--note", "confirmed by letter too")
    assert code == 0, out
    assert "released by KAJE (approved by ANJE)" in out and "waiting for the next run" in out
    assert desk.state(BANK) == InvoiceState.CLASSIFIED
    posted_before = len(desk.ledger.posted)
    desk.run()
    assert desk.state(BANK) == InvoiceState.POSTED and len(desk.ledger.posted) == posted_before + 1
    assert desk.events(BANK).count("release-approved") == 1 and desk.events(BANK).count("released") == 1


def test_four_eyes_other_holds_of_the_customer_need_one_person(four_eyes_desk: Desk) -> None:
    desk = four_eyes_desk
    code, out = desk.cli("release", str(desk.id("0055-peppol-supplier-not-allowed.xml")), "--by", "ANJE")
    assert code == 0 and "released by ANJE" in out, out


def test_four_eyes_when_people_act_at_once(four_eyes_desk: Desk) -> None:
    """Two first approvals by one person at once: one is recorded. After it, two others at once:
    one completes the release, the other is told it is released already."""
    desk = four_eyes_desk
    invoice = desk.id(BANK)
    master = MasterData.load(tmp_customers(desk), SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")

    def race(names: list[str]) -> list[str]:
        barrier, outcomes = threading.Barrier(len(names)), []
        lock = threading.Lock()

        def act(name: str) -> None:
            store = Store.open(desk.url)
            try:
                barrier.wait()
                done = store.resolve_hold(
                    invoice, "release", by=name, note="confirmed", customers=master.by_id
                )
                result = done.standing.kind
            except StoreError as exc:
                result = f"refused: {exc}"
            finally:
                store.close()
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=act, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sorted(outcomes, key=lambda o: o.startswith("refused"))

    approved, refused = race(["ANJE", "ANJE"])
    assert approved == "release-approved" and refused.startswith("refused") and "second person" in refused
    released, refused = race(["KAJE", "MOLA"])
    assert released == "released" and refused.startswith("refused") and "not held any more" in refused
    assert desk.events(BANK).count("release-approved") == 1 and desk.events(BANK).count("released") == 1


def tmp_customers(desk: Desk) -> Path:
    return desk.config.parent / "customers.yaml"


def test_four_eyes_refuses_an_unknown_hold_kind_with_file_and_line(tmp_path: Path) -> None:
    config = _four_eyes_config(tmp_path)
    path = tmp_path / "customers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("bank-details", "bank-detail"), encoding="utf-8")
    _register()
    result = CliRunner().invoke(app, ["check-config", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "customers.yaml" in result.output and "four_eyes" in result.output
    assert "bank-details" in result.output  # the allowed values are named
