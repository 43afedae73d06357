"""Issue 9.1 end to end: a supplier reuses its invoice number in a new year (Robot → Business Central).

Kontorland's F-100 of 2025 is posted; its F-100 of 2026, another invoice for another amount, used
to be "found" as the 2025 document (vendor + ``vendorInvoiceNumber`` only), recorded as posted
with the 2025 ERP number, reported transferred and never paid. Now it gets its own purchase
invoice, and a document of the same identity with another amount is held, naming both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI

from connectors.business_central import BusinessCentralLedger, Settings
from connectors.testing.bc_server import INVOICE, create_app, get_state
from connectors.testing.fakes import MemoryNotifier, MemorySource
from robot.demo.samplegen import peppol
from robot.demo.samplegen.builder import Builder
from robot.demo.samplegen.documents import DocSpec
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, InvoiceState
from tests.conftest import SAMPLES
from tests.support.bc import SECRET, bc_settings
from tests.support.servers import serve


def settings(url: str) -> Settings:
    return bc_settings(
        url,
        customers={"SFE": {"account_string_pattern": r"SFE-(?P<account>\d{4})-(?P<dim1>\d{3})"}},
        max_attempts=2,
        timeout_seconds=5,
    )


class Supplier:
    """Kontorland (K10001) invoicing Styrelsen for Eksempler (SFE), as the demo set's clean invoice."""

    def __init__(self) -> None:
        self.builder = Builder(2026)

    def invoice(self, number: str, issued: date, quantities: tuple[int, ...]) -> DocSpec:
        doc = self.builder.doc("peppol", "SFE", "K10001", quantities=quantities)
        doc = replace(
            doc,
            number=number,
            issue_date=issued,
            due_date=issued + timedelta(days=30),
            order_date=issued - timedelta(days=10),
            payment=replace(doc.payment),
        )
        self.builder.order_for(doc)
        return doc

    def credit_note(self, number: str, issued: date, of: DocSpec, quantity: int) -> DocSpec:
        """A credit note for ``quantity`` of the first line of invoice ``of``."""
        doc = self.builder.doc("peppol", "SFE", "K10001", quantities=(1,), credit_note=True)
        return replace(
            doc,
            number=number,
            issue_date=issued,
            due_date=issued + timedelta(days=30),
            lines=[replace(of.lines[0], id="1", quantity=Decimal(quantity))],
            billing_ref=(of.number, of.issue_date),
            order_ref=of.order_ref,
            order_date=of.order_date,
        )

    def master(self, folder: Path) -> MasterData:
        orders = folder / "orders.yaml"
        orders.write_text(yaml.safe_dump({"orders": self.builder.orders}), encoding="utf-8")
        return MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", orders)


def add(source: MemorySource, doc: DocSpec) -> None:
    meta = {"customer": "SFE", "approver": doc.person_ref or "", "remark": "", "account": ""}
    meta["account"] = doc.accounting_cost or ""
    source.add(f"{doc.number}-{doc.issue_date.year}.xml", peppol.render(doc), meta)


@pytest.fixture()
def bc_app() -> FastAPI:
    return create_app(vendors={"K10001": "Kontorland A/S"}, client_secret=SECRET)


@pytest.fixture()
def ledger(bc_app: FastAPI) -> Iterator[BusinessCentralLedger]:
    with serve(bc_app) as url, BusinessCentralLedger(settings(url), secret=SECRET) as led:
        yield led


def _row(store: Store, source_ref: str) -> InvoiceRow:
    [row] = store.find_invoices(source_ref)
    return row


def _posted_event(store: Store, invoice_id: int) -> dict[str, Any]:
    _, journey, _, _ = store.journey(invoice_id)
    events = [e for e in journey if e.kind == "posted"]
    assert len(events) == 1, events
    return dict(events[0].detail)


def _run(store: Store, master: MasterData, source: MemorySource, ledger: BusinessCentralLedger) -> None:
    robot = Robot(store, master, source=source, ledger=ledger, notifier=MemoryNotifier())
    summary = robot.run(RunOptions())
    assert summary.status == "ok", summary


def test_reused_number_in_a_new_year_gets_its_own_erp_document(
    tmp_path: Path, bc_app: FastAPI, ledger: BusinessCentralLedger
) -> None:
    supplier = Supplier()
    old = supplier.invoice("F-100", date(2025, 11, 3), (2, 0, 0))
    new = supplier.invoice("F-100", date(2026, 2, 3), (3, 0, 0))  # same number, another amount
    assert old.totals().payable != new.totals().payable
    master = supplier.master(tmp_path)
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    source = MemorySource()
    add(source, old)
    _run(store, master, source, ledger)
    first = _row(store, "F-100-2025.xml")
    assert first.state == InvoiceState.POSTED, [f.code for f in store.findings_of(first.id)]
    add(source, new)
    _run(store, master, source, ledger)

    second = _row(store, "F-100-2026.xml")
    assert second.state == InvoiceState.POSTED, [f.code for f in store.findings_of(second.id)]
    assert second.erp_document_no != first.erp_document_no  # not the 2025 document's number
    assert _posted_event(store, second.id)["found_existing"] is False
    docs = {d["number"]: d for d in get_state(bc_app).posted()}
    assert set(docs) == {first.erp_document_no, second.erp_document_no}
    assert docs[second.erp_document_no]["invoiceDate"] == "2026-02-03"
    assert docs[second.erp_document_no]["totalAmountIncludingTax"] == new.totals().tax_inclusive
    assert docs[first.erp_document_no]["invoiceDate"] == "2025-11-03"
    outcomes = {ref: detail for ref, outcome, detail in source.outcomes if outcome == "transferred"}
    assert outcomes["F-100-2026.xml"] != outcomes["F-100-2025.xml"]
    store.close()


def test_reused_credit_note_number_in_a_new_year_gets_its_own_credit_memo(
    tmp_path: Path, bc_app: FastAPI, ledger: BusinessCentralLedger
) -> None:
    supplier = Supplier()
    inv25 = supplier.invoice("F-100", date(2025, 11, 3), (4, 0, 0))
    inv26 = supplier.invoice("F-200", date(2026, 2, 3), (4, 0, 0))
    kn25 = supplier.credit_note("KN-7", date(2025, 11, 20), inv25, 1)
    kn26 = supplier.credit_note("KN-7", date(2026, 2, 20), inv26, 2)  # same number, another amount
    master = supplier.master(tmp_path)
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    source = MemorySource()
    for doc in (inv25, kn25):
        add(source, doc)
    _run(store, master, source, ledger)
    first = _row(store, "KN-7-2025.xml")
    assert first.state == InvoiceState.POSTED, [f.code for f in store.findings_of(first.id)]
    for doc in (inv26, kn26):
        add(source, doc)
    _run(store, master, source, ledger)

    second = _row(store, "KN-7-2026.xml")
    assert second.state == InvoiceState.POSTED, [f.code for f in store.findings_of(second.id)]
    assert second.erp_document_no != first.erp_document_no
    assert _posted_event(store, second.id)["found_existing"] is False
    memos = {d["number"]: d for d in get_state(bc_app).posted_credit_memos()}
    assert set(memos) == {first.erp_document_no, second.erp_document_no}
    assert memos[second.erp_document_no]["creditMemoDate"] == "2026-02-20"
    assert memos[second.erp_document_no]["totalAmountIncludingTax"] == kn26.totals().tax_inclusive
    store.close()


def _book_by_hand(bc_app: FastAPI, number: str, issued: date, unit_cost: str) -> str:
    """A purchase invoice someone entered in BC directly (not through the robot); its posted number."""
    state = get_state(bc_app)
    kind = INVOICE
    doc = state.create(
        kind,
        {
            "vendorNumber": "K10001",
            "vendorInvoiceNumber": number,
            "invoiceDate": issued.isoformat(),
            "currencyCode": "DKK",
            "shortcutDimension1Code": "902",
        },
    )
    state.add_line(
        kind,
        doc["id"],
        {"lineObjectNumber": "4010", "quantity": "1", "unitCost": unit_cost, "taxCode": "MOMS25"},
    )
    state.post(kind, doc["id"])
    return str(state.invoices[doc["id"]]["number"])


@pytest.mark.parametrize(
    ("booked", "unit_cost", "differs"),
    [(date(2026, 2, 3), "999.00", "amount"), (date(2026, 1, 15), None, "date")],
)
def test_same_identity_in_the_erp_with_another_amount_or_date_is_held_naming_both(
    tmp_path: Path,
    bc_app: FastAPI,
    ledger: BusinessCentralLedger,
    booked: date,
    unit_cost: str | None,
    differs: str,
) -> None:
    supplier = Supplier()
    ours = supplier.invoice("F-100", date(2026, 2, 3), (3, 0, 0))
    totals = ours.totals()
    erp_number = _book_by_hand(bc_app, "F-100", booked, unit_cost or str(totals.tax_exclusive))
    source = MemorySource()
    add(source, ours)
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    _run(store, supplier.master(tmp_path), source, ledger)

    row = _row(store, "F-100-2026.xml")
    assert row.state == InvoiceState.HELD and row.erp_document_no is None
    [refused] = [f for f in store.findings_of(row.id) if f.code == "POST-REFUSED"]
    text = refused.message_en
    assert f"vendor K10001's invoice F-100 of 2026 matches purchase invoice {erp_number}" in text
    assert f"but not by {differs}" in text
    assert f"Ours: dated 2026-02-03, {totals.tax_inclusive} DKK" in text
    erp_total = (Decimal(unit_cost) * Decimal("1.25")).quantize(Decimal("0.01")) if unit_cost else None
    assert (
        f"The ERP's purchase invoice {erp_number}: dated {booked}, {erp_total or totals.tax_inclusive} DKK"
        in text
    )
    assert "compare the two by hand" in text
    _, journey, _, _ = store.journey(row.id)
    held = [e for e in journey if e.kind == "held"]
    assert held and erp_number in held[-1].detail["reason"]
    assert not [e for e in journey if e.kind == "posted"]
    assert [d["number"] for d in get_state(bc_app).posted()] == [erp_number]  # nothing booked
    assert all(outcome != "transferred" for _, outcome, _ in source.outcomes)
    store.close()


def test_an_erp_that_refuses_a_number_in_any_year_holds_the_new_invoice(tmp_path: Path) -> None:
    """BC without "Same Ext. Doc. No. in Diff. FY": the ERP says no, and the robot holds; never "found"."""
    strict = create_app(
        vendors={"K10001": "Kontorland A/S"}, client_secret=SECRET, same_number_in_another_year=False
    )
    supplier = Supplier()
    old = supplier.invoice("F-100", date(2025, 11, 3), (2, 0, 0))
    new = supplier.invoice("F-100", date(2026, 2, 3), (3, 0, 0))
    master = supplier.master(tmp_path)
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    source = MemorySource()
    with serve(strict) as url, BusinessCentralLedger(settings(url), secret=SECRET) as led:
        add(source, old)
        _run(store, master, source, led)
        add(source, new)
        _run(store, master, source, led)
    first, second = _row(store, "F-100-2025.xml"), _row(store, "F-100-2026.xml")
    assert first.state == InvoiceState.POSTED
    assert second.state == InvoiceState.HELD and second.erp_document_no is None
    [refused] = [f for f in store.findings_of(second.id) if f.code == "POST-REFUSED"]
    assert "already has Vendor Invoice No. F-100 for vendor K10001" in refused.message_en
    assert len(get_state(strict).posted()) == 1
    store.close()
