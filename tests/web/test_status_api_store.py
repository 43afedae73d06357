"""The status API over the empty store of tests/conftest.py: SQLite and PostgreSQL.

A few invoices written straight into the store (two customers) show that the reads behave the
same on both databases: money from ``Numeric(20, 4)`` is sent as ``"1250.00"``, the supplier
filter takes ``%`` and ``_`` as typed characters, ``since`` compares aware times, the pages meet,
and another customer's invoice is a missing one. Every response is held to the OpenAPI file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from robot.store.api_tokens import ApiTokens
from robot.store.schema import Event, InvoiceRow
from tests.support.storerows import add_invoice
from tests.web.api_contract import conforms
from tests.web.conftest import BASE_URL

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from robot.store.repo import Store

LIST, ONE = "/api/v1/invoices", "/api/v1/invoices/{id}"


def _invoice(
    s: Session, n: int, customer: str, supplier: str, received: datetime, **more: object
) -> InvoiceRow:
    row = add_invoice(
        s,
        n,
        customer_id=customer,
        invoice_number=f"F-{n}",
        number_normalised=f"F-{n}",
        supplier_key="12345678",
        supplier_name=supplier,
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 1),
        payable=Decimal("1250.00"),
        currency="DKK",
        erp_document_no=f"PI-{n}",
        received_at=received,
        **more,
    )
    s.add(Event(invoice_id=row.id, kind="received", at=received))
    s.add(Event(invoice_id=row.id, kind="posted", at=received, detail={"erp_document_no": f"PI-{n}"}))
    return row


@pytest.fixture
def world(store: Store) -> Iterator[tuple[TestClient, str, list[int], int]]:
    """A client of the app, a token of customer A, A's invoice ids (newest first), one of B's."""
    from fastapi.testclient import TestClient

    from robot.web.app import create_app

    names = ["Kontor 100% A/S", "Kontor_Huset", "Papir ApS", "Møbler & Co", "Kontor 100% A/S"]
    with store.sessions.begin() as s:
        mine = [
            _invoice(s, n, "A", names[n], datetime(2026, 11, 1 + n, 12, tzinfo=UTC)).id
            for n in range(len(names))
        ]
        theirs = _invoice(s, 99, "B", "Kontor 100% A/S", datetime(2026, 11, 20, tzinfo=UTC)).id
    token = ApiTokens(store.sessions).add("A").token
    with TestClient(create_app(None, store), base_url=BASE_URL) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, token, mine[::-1], theirs


def _ids(client: TestClient, **params: str) -> list[int]:
    return [i["id"] for i in conforms(client.get(LIST, params=params), LIST)["invoices"]]


def test_the_reads_on_both_databases(world: tuple[TestClient, str, list[int], int]) -> None:
    client, _token, mine, theirs = world
    assert _ids(client) == mine
    assert _ids(client, supplier="100%") == [mine[0], mine[4]]
    assert _ids(client, supplier="r_1") == []  # _ is a character, not any character ("r 1")
    assert _ids(client, supplier="tor_h") == [mine[3]]
    assert _ids(client, supplier="møbler &") == [mine[1]]
    assert _ids(client, supplier="12345678") == mine  # a CVR
    assert _ids(client, number="f-2") == [mine[2]]
    assert _ids(client, since="2026-11-04") == mine[:2]
    assert _ids(client, since="2026-11-04T13:00:00+01:00") == mine[:2]  # 12:00 UTC
    assert _ids(client, since="2026-11-04T12:00:01Z") == mine[:1]
    first = conforms(client.get(LIST, params={"limit": "2"}), LIST)
    second = conforms(client.get(first["next"]), LIST)
    third = conforms(client.get(second["next"]), LIST)
    assert [i["id"] for p in (first, second, third) for i in p["invoices"]] == mine and third["next"] is None

    one = conforms(client.get(f"{LIST}/{mine[0]}"), ONE)
    assert one["amount"] == "1250.00" and one["state"]["key"] == "posted"
    assert one["state"]["erp_document_no"] == f"PI-{len(mine) - 1}"
    assert [j["kind"] for j in one["journey"]] == ["received", "posted"]
    assert one["received_at"] == "2026-11-05T13:00:00+01:00"  # shown in Copenhagen time

    other, missing = client.get(f"{LIST}/{theirs}"), client.get(f"{LIST}/{theirs + 1000}")
    assert other.status_code == missing.status_code == 404 and other.content == missing.content
    conforms(other, ONE)
    assert theirs not in _ids(client, supplier="100%")
