"""The overview's panel of invoices paid on time (``/overview/on-time``): the numbers of the bank
matching's ``paid`` events against the due dates, per customer; loaded after the overview."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
from sqlalchemy import select

from robot.store.repo import Store
from robot.store.schema import InvoiceRow
from tests.web.conftest import HTML, ClientAs


def _posted(store: Store, customer: str) -> list[InvoiceRow]:
    with store.sessions() as s:
        query = select(InvoiceRow).where(
            InvoiceRow.state == "posted", InvoiceRow.customer_id == customer, InvoiceRow.due_date.is_not(None)
        )
        return list(s.scalars(query.order_by(InvoiceRow.id)))


def _pay(store: Store, row: InvoiceRow, days_after_due: int) -> None:
    assert row.due_date is not None
    booked = row.due_date + timedelta(days=days_after_due)
    store.event(
        row.id, None, "paid", booking_date=booked.isoformat(), amount=str(row.payable), currency="DKK",
        bank_reference=f"B-{row.id}",
    )  # fmt: skip


def _rows(html: str) -> dict[str, list[str]]:
    tree = lxml.html.fromstring(html)
    cells = [[td.text_content().strip() for td in tr.findall("td")] for tr in tree.findall(".//tbody/tr")]
    return {c[0]: c[1:] for c in cells}


def test_the_panel_counts_what_was_paid_by_its_due_date(client_as: ClientAs, web_store: Store) -> None:
    mfp, sfe = _posted(web_store, "MFP"), _posted(web_store, "SFE")
    _pay(web_store, mfp[0], 0)  # on the due date: on time
    _pay(web_store, mfp[1], 3)  # three days late
    _pay(web_store, sfe[0], -2)
    page = client_as("viewer").get("/overview/on-time", headers=HTML)
    assert page.status_code == 200
    rows = _rows(page.text)
    assert rows["MFP"] == ["2", "1", "50.0 %"]
    assert rows["SFE"] == ["1", "1", "100.0 %"]
    assert "for sent" in page.text  # the late supplier is named
    assert 'data-refresh-url="/overview/on-time"' in client_as("creditor").get("/", headers=HTML).text


def test_a_person_of_one_customer_sees_that_customer_only(client_as: ClientAs, web_store: Store) -> None:
    _pay(web_store, _posted(web_store, "MFP")[0], 0)
    _pay(web_store, _posted(web_store, "SFE")[0], 0)
    rows = _rows(client_as("viewer", "SFE").get("/overview/on-time", headers=HTML).text)
    assert set(rows) == {"SFE"}


def test_no_payments_yet_says_so(client_as: ClientAs) -> None:
    page = client_as("viewer").get("/overview/on-time?lang=en", headers=HTML)
    assert "No payments yet" in page.text
