"""The in-memory vendor master and invoice history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from classifiers.api import History, PriorInvoice, Vendor, VendorMaster
from classifiers.keys import canonical_invoice_number, cvr_of, normalise_invoice_number, supplier_key
from classifiers.lookups import HistoryIndex, VendorIndex
from robot.model import DocumentType, Identifier, Invoice, Party


def test_normalise_and_canonical_numbers() -> None:
    assert normalise_invoice_number(" inv 2024-17\n") == "INV2024-17"
    assert normalise_invoice_number(None) == ""
    assert canonical_invoice_number("INV-2024-0017") == canonical_invoice_number("1nv2O24/17")
    assert canonical_invoice_number("S-B8") == canonical_invoice_number("5-88")
    assert canonical_invoice_number("1001") != canonical_invoice_number("1002")


def test_cvr_of() -> None:
    assert cvr_of("DK 1234 5674") == "12345674"
    assert cvr_of("12345674") == "12345674"
    assert cvr_of("SE12345674") is None and cvr_of("1234") is None and cvr_of(None) is None


def test_supplier_key_prefers_cvr_then_endpoint_then_name() -> None:
    inv = Invoice(format="cii", document_type=DocumentType.INVOICE, seller=Party(name="  Kontor  Land "))
    assert supplier_key(inv) == "kontor land"
    inv.seller.endpoint = Identifier("5790000000005", "0088")
    assert supplier_key(inv) == "5790000000005"
    inv.seller.vat_id = "DK12345674"
    assert supplier_key(inv) == "12345674"
    inv.seller.legal_id = Identifier("87654321", "0184")
    assert supplier_key(inv) == "87654321"


def test_vendor_index() -> None:
    v1 = Vendor("V1", "Kontorland A/S", cvr="DK12345674", endpoint_id="5790000000005")
    index: VendorMaster = VendorIndex([v1, Vendor("V2", "Andet ApS")])
    assert index.by_cvr("12345674") is v1 and index.by_cvr("DK12345674") is v1
    assert index.by_endpoint(" 5790000000005 ") is v1
    assert index.by_cvr("11111111") is None and index.by_endpoint("x") is None
    assert set(index.names()) == {"Kontorland A/S", "Andet ApS"}


def test_history_index() -> None:
    p1 = PriorInvoice(1, "K", "INV-1", date(2025, 1, 1), Decimal("10.00"), sha256="s1")
    p2 = PriorInvoice(2, "K", "inv-1", date(2024, 1, 1), Decimal("10.00"), sha256="s1")
    p3 = PriorInvoice(3, "K", "X", None, Decimal("0"))
    history = HistoryIndex([p1, p2, p3])
    protocol: History = history
    assert len(history) == 3
    assert protocol.by_number("K", "INV-1") == [p1, p2]
    assert history.by_number_year("K", "INV-1", 2024) == [p2]
    assert protocol.by_amount_date("K", Decimal("10.0"), date(2025, 1, 1)) == [p1]
    assert protocol.by_amount_date("K", Decimal("0"), date(2025, 1, 1)) == []
    assert protocol.by_sha256("s1") == [p1, p2] and protocol.by_sha256("nope") == []
    assert protocol.numbers_of("K") == [p1, p2, p3] and protocol.numbers_of("other") == []
    assert history.canonical_numbers_of("K") == ["1NV1", "1NV1", "X"]
