"""One contract for every Ledger: the journal, Business Central (over HTTP on 127.0.0.1) and the fake.

An invoice's identity in the ERP is the one the robot's posting key holds (robot/processing/posting.py):
vendor, document type, the vendor's number and the year of the invoice date; the date, currency
and amount cross-check it. So the same number in another year is another invoice, a retry finds
what the crashed attempt posted, and a document of the same identity but another date or amount is
refused as a :class:`~robot.errors.LedgerConflict` naming both, never taken for ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Ledger, Posting, PostingLine
from connectors.business_central import BusinessCentralLedger
from connectors.journal import JournalLedger
from connectors.testing.bc_server import create_app, get_state
from connectors.testing.fakes import MemoryLedger
from robot.errors import BusinessError, LedgerConflict
from tests.support.bc import SECRET, bc_settings
from tests.support.servers import serve


def posting(
    number: str = "F-100",
    *,
    day: date = date(2025, 3, 1),
    unit: str = "1000.00",
    document_type: str = "invoice",
    vendor: str = "K10001",
) -> Posting:
    """One 25 % line of ``unit``; the key as robot.processing.posting.idempotency_key builds it."""
    net = Decimal(unit)
    vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))
    line = PostingLine("Kontorstol", Decimal("1"), net, net, Decimal("25"), vat)
    return Posting(
        idempotency_key=f"{vendor}:{document_type}:{number}:{day.year}",
        vendor_number=vendor,
        vendor_invoice_number=number,
        document_type=document_type,
        invoice_date=day,
        due_date=None,
        currency="DKK",
        net_amount=net,
        vat_amount=vat,
        gross_amount=net + vat,
        customer_id="SAM",
        account_string=None,
        lines=(line,),
        document_sha256=f"{number}{day}{unit}".encode().hex()[:64].ljust(64, "0"),
        document=b"<Invoice/>",
        filename=f"{number}.xml",
    )


class Erp:
    """A ledger under test, how to open another connection to the same ERP, and what it holds."""

    def __init__(
        self, ledger: Ledger, reopen: Callable[[], Ledger], documents: Callable[[], list[dict[str, Any]]]
    ) -> None:
        self.ledger, self.reopen, self.documents = ledger, reopen, documents


@pytest.fixture(params=["journal", "business-central", "memory"])
def erp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Erp]:
    if request.param == "journal":
        path = tmp_path / "journal.jsonl"
        journal = JournalLedger(path)

        def entries() -> list[dict[str, Any]]:
            return [
                {
                    "number": e["number"],
                    "type": e["documentType"],
                    "vendorNumber": e["vendorInvoiceNumber"],
                    "date": e["invoiceDate"],
                    "net": Decimal(e["netAmount"]),
                }
                for e in journal.entries()
            ]

        yield Erp(journal, lambda: JournalLedger(path), entries)
        journal.close()
    elif request.param == "business-central":
        app = create_app(vendors={"K10001": "Kontorland A/S"}, client_secret=SECRET)
        with serve(app) as url:
            settings = bc_settings(url, default_account="4000", max_attempts=2, timeout_seconds=5)
            opened: list[BusinessCentralLedger] = []

            def connect() -> BusinessCentralLedger:
                opened.append(BusinessCentralLedger(settings, secret=SECRET))
                return opened[-1]

            def documents() -> list[dict[str, Any]]:
                return [
                    {
                        "number": d["number"],
                        "type": "invoice" if d["documentType"] == "invoice" else "credit_note",
                        "vendorNumber": d.get("vendorInvoiceNumber", d.get("vendorCreditMemoNumber")),
                        "date": d.get("invoiceDate", d.get("creditMemoDate")),
                        "net": d["totalAmountExcludingTax"],
                    }
                    for d in get_state(app).posted()
                ]

            yield Erp(connect(), connect, documents)
            for led in opened:
                led.close()
    else:
        memory = MemoryLedger()

        def kept() -> list[dict[str, Any]]:
            return [
                {
                    "number": number,
                    "type": p.document_type,
                    "vendorNumber": p.vendor_invoice_number,
                    "date": p.invoice_date.isoformat() if p.invoice_date else None,
                    "net": p.net_amount,
                }
                for number, p in memory.posted.values()
            ]

        yield Erp(memory, lambda: memory, kept)  # one process: the memory is the ERP


KINDS = ["invoice", "credit_note"]


@pytest.mark.parametrize("document_type", KINDS)
def test_same_number_in_another_year_is_another_document(erp: Erp, document_type: str) -> None:
    """The defect of issue 9: F-100 of 2026 was taken for F-100 of 2025 and never paid."""
    old = posting(day=date(2025, 11, 3), unit="1000.00", document_type=document_type)
    new = posting(day=date(2026, 2, 3), unit="1250.00", document_type=document_type)
    first = erp.ledger.post(old)
    assert erp.ledger.find(new) is None  # the 2025 document is not ours
    second = erp.ledger.post(new)
    assert second != first
    assert erp.ledger.find(old) == first and erp.ledger.find(new) == second
    docs = sorted(erp.documents(), key=lambda d: d["date"])
    assert [(d["number"], d["type"], d["vendorNumber"], d["date"], d["net"]) for d in docs] == [
        (first, document_type, "F-100", "2025-11-03", Decimal("1000.00")),
        (second, document_type, "F-100", "2026-02-03", Decimal("1250.00")),
    ]


@pytest.mark.parametrize("document_type", KINDS)
def test_a_retry_after_a_crash_finds_the_document_and_posts_nothing(erp: Erp, document_type: str) -> None:
    invoice = posting(document_type=document_type)
    number = erp.ledger.post(invoice)
    later = erp.reopen()  # the next run, a new connection, after the process died unrecorded
    assert later.find(invoice) == number
    assert later.post(invoice) == number
    assert [d["number"] for d in erp.documents()] == [number]


@pytest.mark.parametrize("document_type", KINDS)
@pytest.mark.parametrize(
    ("change", "differs", "ours", "theirs"),
    [
        ({"unit": "1250.00"}, "amount", "dated 2025-03-01, 1562.50 DKK", "dated 2025-03-01, 1250.00 DKK"),
        (
            {"day": date(2025, 9, 30)},
            "date",
            "dated 2025-09-30, 1250.00 DKK",
            "dated 2025-03-01, 1250.00 DKK",
        ),
    ],
)
def test_same_identity_but_another_date_or_amount_is_a_conflict_naming_both(
    erp: Erp, document_type: str, change: dict[str, Any], differs: str, ours: str, theirs: str
) -> None:
    kept = posting(document_type=document_type)
    number = erp.ledger.post(kept)
    other = posting(document_type=document_type, **change)
    assert other.idempotency_key == kept.idempotency_key  # same vendor, type, number and year
    for call in (erp.ledger.find, erp.ledger.post, erp.reopen().find):
        with pytest.raises(LedgerConflict) as caught:
            call(other)
        message = caught.value.message
        assert isinstance(caught.value, BusinessError)  # the robot holds it (POST-REFUSED)
        assert caught.value.differs == (differs,)
        label = "credit" if document_type == "credit_note" else "invoice"
        assert f"vendor K10001's {label}" in message and "F-100 of 2025" in message
        assert f"but not by {differs}" in message
        assert f"Ours: {ours}" in message
        assert f"{number}: {theirs}" in message
    assert [d["number"] for d in erp.documents()] == [number]  # nothing else booked
    assert erp.ledger.find(kept) == number  # the kept one is still found as itself


def test_an_invoice_and_a_credit_note_with_one_number_and_year_are_two_documents(erp: Erp) -> None:
    invoice = posting(unit="1000.00")
    credit = posting(unit="200.00", document_type="credit_note")
    first = erp.ledger.post(invoice)
    assert erp.ledger.find(credit) is None
    second = erp.ledger.post(credit)
    assert second != first
    assert erp.ledger.find(invoice) == first and erp.ledger.find(credit) == second
    assert sorted(d["type"] for d in erp.documents()) == ["credit_note", "invoice"]


def test_three_years_of_one_number_are_three_documents(erp: Erp) -> None:
    years = [posting(day=date(y, 6, 1), unit=f"{y - 2000}00.00") for y in (2024, 2025, 2026)]
    numbers = [erp.ledger.post(p) for p in years]
    assert len(set(numbers)) == 3
    assert [erp.reopen().find(p) for p in years] == numbers
    # a changed copy of the middle year's invoice is a conflict with that year's document only
    with pytest.raises(LedgerConflict, match=f"F-100 of 2025 matches .*{numbers[1]}"):
        erp.ledger.find(replace(years[1], net_amount=Decimal("1.00"), vat_amount=Decimal("0.25")))
