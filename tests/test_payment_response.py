"""The PD (paid) Invoice Response a supplier is sent when its invoice's payment is confirmed:
valid against the official T111 rules, with the invoice's id, the parties, status PD and the
payment's date; off by default, never for OIOUBL 2.1, made once per payment."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select, update

from connectors.base import IncomingDocument
from robot.bank.importer import PaymentImporter
from robot.bank.responses import KIND, SKIPPED, payment_response, payment_responses
from robot.cli.runs_cmd import samples_dir
from robot.configuration.settings import ResponderSettings
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, InvoiceState, PaymentRow
from tests.conftest import corpora_path
from tests.support.bankfiles import camt054, entry, tx
from tests.support.oracle import oracle_report

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ON = ResponderSettings(payment_responses=True)
PEPPOL, OIOUBL = "0001-peppol-clean.xml", "0002-oioubl-clean.xml"
PAID = {
    "booking_date": "2026-12-01",
    "amount": "22650.00",
    "currency": "DKK",
    "bank_reference": "B-1",
    "payment_id": 7,
    "remaining": "0.00",
    "partly": False,
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path}/robot.db")
    yield s
    s.close()


def _posted(store: Store, name: str, number: str, payable: str) -> int:
    content = (samples_dir() / "inbox" / name).read_bytes()
    receipt = store.receive("test", IncomingDocument(name, name, content), None)
    with store.sessions.begin() as s:
        s.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == receipt.invoice_id)
            .values(
                state=InvoiceState.POSTED,
                invoice_number=number,
                payable=Decimal(payable),
                currency="DKK",
                document_type="invoice",
            )
        )
    return receipt.invoice_id


def _paid_by_hand(store: Store, invoice_id: int, **detail: Any) -> dict[str, Any]:
    paid = {**PAID, **detail}
    store.event(invoice_id, None, "paid", **paid)
    return paid


def _events(store: Store, invoice_id: int, kind: str) -> list[Event]:
    with store.sessions() as s:
        return list(s.scalars(select(Event).where(Event.invoice_id == invoice_id, Event.kind == kind)))


def _bank_file_paying(folder: Path, number: str, amount: str) -> Path:
    """A camt.054 in ``folder`` with one debit of ``amount`` that refers to invoice ``number``."""
    path = folder / "camt054.xml"
    path.write_bytes(
        camt054("08", [entry("DBIT", amount, [tx(amount=amount, referred_documents=[(number, None)])])])
    )
    return path


def _errors(xml: bytes) -> list[dict[str, str]]:
    corpora_path("oioubl-3", "xslt", "xslt", "DK-PEPPOLBIS-T111.xslt")  # skips when the corpora are absent
    report = oracle_report(xml, "t111")
    assert "undecided" not in report, report
    return [f for f in report["fired"] if f["severity"] in ("error", "fatal")]


def _text(xml: bytes, path: str) -> str:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return str(root.xpath(f"string({path})", namespaces=NS))


@pytest.mark.corpora
def test_a_paid_peppol_invoice_gets_a_pd_response_that_passes_t111(store: Store) -> None:
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    paid = _paid_by_hand(store, invoice_id)
    xml = payment_response(store, invoice_id, paid, ON, today=date(2026, 12, 2))
    assert xml is not None
    assert _errors(xml) == []
    assert _text(xml, "//cac:Response/cbc:ResponseCode") == "PD"
    assert _text(xml, "//cac:Response/cbc:EffectiveDate") == "2026-12-01"
    assert _text(xml, "//cac:DocumentReference/cbc:ID") == "KL-2026-0264"
    assert _text(xml, "/*/cbc:IssueDate") == "2026-12-02"
    assert "2026-12-01" in _text(xml, "/*/cbc:Note") and "22650.00 DKK" in _text(xml, "/*/cbc:Note")
    # the parties as a return's response names them: the buyer answers the seller
    assert (
        _text(xml, "//cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName") == "Styrelsen for Eksempler"
    )
    assert _text(xml, "//cac:SenderParty/cbc:EndpointID") == "5798000999015"
    assert _text(xml, "//cac:ReceiverParty/cac:PartyLegalEntity/cbc:RegistrationName") == "Kontorland A/S"
    assert _text(xml, "//cac:ReceiverParty/cbc:EndpointID") == "5790000991006"
    assert not _text(xml, "//cac:Status/cbc:StatusReasonCode")  # fully paid: nothing to clarify
    (event,) = _events(store, invoice_id, KIND)
    assert event.detail["payment_id"] == 7 and event.detail["status"] == "PD"
    assert event.detail["paid_on"] == "2026-12-01"
    assert base64.b64decode(event.detail["xml_b64"]) == xml
    assert store.invoice(invoice_id).invoice_response is None  # a return's response is left alone


@pytest.mark.corpora
def test_a_partial_payment_says_ppd_with_what_remains_and_passes_t111(store: Store) -> None:
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    paid = _paid_by_hand(store, invoice_id, amount="10000.00", remaining="12650.00", partly=True)
    xml = payment_response(store, invoice_id, paid, ON)
    assert xml is not None
    assert _errors(xml) == []
    assert _text(xml, "//cac:Status/cbc:StatusReasonCode") == "PPD"
    assert "12650.00 DKK" in _text(xml, "//cac:Status/cbc:StatusReason")


def test_off_by_default(store: Store) -> None:
    assert ResponderSettings().payment_responses is False
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    paid = _paid_by_hand(store, invoice_id)
    assert payment_response(store, invoice_id, paid, ResponderSettings()) is None
    assert _events(store, invoice_id, KIND) == [] and _events(store, invoice_id, SKIPPED) == []


def test_no_response_for_an_oioubl_21_invoice(store: Store) -> None:
    invoice_id = _posted(store, OIOUBL, "JM20260381", "1000.00")
    paid = _paid_by_hand(store, invoice_id)
    assert payment_response(store, invoice_id, paid, ON) is None
    assert _events(store, invoice_id, KIND) == []


def test_made_once_even_if_the_paid_event_is_processed_twice(store: Store) -> None:
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    paid = _paid_by_hand(store, invoice_id)
    assert payment_response(store, invoice_id, paid, ON) is not None
    assert payment_response(store, invoice_id, paid, ON) is None
    assert len(_events(store, invoice_id, KIND)) == 1
    # another payment of the same invoice (the rest of it) is answered on its own
    assert payment_response(store, invoice_id, {**paid, "payment_id": 8}, ON) is not None
    assert len(_events(store, invoice_id, KIND)) == 2


def test_an_unknown_buyer_is_answered_by_the_responder_and_a_responder_without_address_is_skipped(
    store: Store,
) -> None:
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    paid = _paid_by_hand(store, invoice_id)
    centre = ResponderSettings(payment_responses=True, name="Statens Center", endpoint_id="5798000416604")
    xml = payment_response(store, invoice_id, paid, centre, known_eans={"5790000000005"})
    assert xml is not None
    assert _text(xml, "//cac:SenderParty/cbc:EndpointID") == "5798000416604"
    assert _text(xml, "//cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName") == "Statens Center"
    # the buyer's EAN known: the buyer answers, as for a return
    assert payment_response(
        store, invoice_id, {**paid, "payment_id": 9}, centre, known_eans={"5798000999015"}
    )
    # no address to answer from: none made, the journey says why, and it is not tried again
    assert payment_response(store, invoice_id, {**paid, "payment_id": 10}, ON, known_eans=set()) is None
    (skipped,) = _events(store, invoice_id, SKIPPED)
    assert skipped.detail["payment_id"] == 10 and "electronic address" in skipped.detail["reason"]


def test_after_a_bank_import_each_invoice_a_payment_paid_is_answered(store: Store, tmp_path: Path) -> None:
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    path = _bank_file_paying(tmp_path, "KL-2026-0264", "22650.00")
    (outcome,) = PaymentImporter(store).import_files([path])
    assert outcome.matched == 1, outcome
    with store.sessions() as s:
        payment_id = int(s.scalar(select(PaymentRow.id)) or 0)
    assert payment_responses(store, payment_id, ResponderSettings()) == 0
    assert payment_responses(store, payment_id, ON) == 1
    assert payment_responses(store, payment_id, ON) == 0  # the same payment again: nothing new
    (event,) = _events(store, invoice_id, KIND)
    assert event.detail["payment_id"] == payment_id and event.detail["paid_on"] == "2026-12-01"


def test_the_importer_answers_a_matched_payment_when_payment_responses_are_on(
    store: Store, tmp_path: Path
) -> None:
    invoice_id = _posted(store, PEPPOL, "KL-2026-0264", "22650.00")
    path = _bank_file_paying(tmp_path, "KL-2026-0264", "22650.00")
    (outcome,) = PaymentImporter(store, responder=ON).import_files([path])
    assert outcome.matched == 1, outcome
    (event,) = _events(store, invoice_id, KIND)
    assert event.detail["status"] == "PD"
    PaymentImporter(store, responder=ON).import_files([path])  # the same file again: nothing new
    assert len(_events(store, invoice_id, KIND)) == 1
