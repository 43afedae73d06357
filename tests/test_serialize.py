"""The JSON form: exact keys, decimal strings with the document's digits, ISO dates, nulls."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from robot import model as m
from robot.readers import read_document
from robot.serialize import invoice_to_json
from tests.conftest import corpora_path

TOP_KEYS = [
    "format",
    "template",
    "document_type",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "buyer_reference",
    "order_reference",
    "accounting_cost",
    "notes",
    "preceding_invoices",
    "customization_id",
    "profile_id",
    "type_code",
    "seller",
    "buyer",
    "payee",
    "payment_means",
    "payment_terms",
    "allowances_charges",
    "vat_breakdown",
    "totals",
    "lines",
    "ocr",
    "evidence",
]
PARTY_KEYS = [
    "name",
    "legal_id",
    "legal_id_scheme",
    "vat_id",
    "endpoint_id",
    "endpoint_scheme",
    "contact_id",
    "address",
]
TOTAL_KEYS = [
    "line_extension",
    "tax_exclusive",
    "tax",
    "tax_inclusive",
    "allowances",
    "charges",
    "prepaid",
    "rounding",
    "payable",
]
LINE_KEYS = [
    "id",
    "quantity",
    "unit",
    "net_amount",
    "price",
    "base_quantity",
    "item_name",
    "vat_category",
    "vat_rate",
    "accounting_cost",
    "order_line_reference",
    "free_of_charge",
    "classifications",
]


def _full_invoice() -> m.Invoice:
    return m.Invoice(
        format="peppol-bis3",
        document_type=m.DocumentType.CREDIT_NOTE,
        number="CN-7",
        issue_date=date(2025, 3, 1),
        due_date=date(2025, 3, 31),
        currency="DKK",
        buyer_reference="JD",
        order_reference="PO-1",
        accounting_cost="4010",
        notes=["note"],
        preceding_invoices=["INV-6"],
        customization_id="urn:x",
        profile_id="urn:p",
        type_code="381",
        seller=m.Party(
            name="Seller A/S",
            legal_id=m.Identifier("12345678", "0184"),
            vat_id="DK12345678",
            endpoint=m.Identifier("5798000416604", "0088"),
            address=m.Address(street="Vej 1", city="By", postal_code="1000", country="DK"),
            contact=m.Contact(id="C1"),
        ),
        payee=m.Party(name="Factor"),
        payment_means=[
            m.PaymentMeans(code="93", payment_id="71#000000001234567", creditor_account="12345678")
        ],
        payment_terms="30 days",
        allowances_charges=[
            m.AllowanceCharge(is_charge=True, amount=Decimal("5.00"), vat_rate=Decimal("25"))
        ],
        vat_breakdown=[m.VatBreakdown("S", Decimal("25.00"), Decimal("100.00"), Decimal("25.00"), None)],
        totals=m.Totals(line_extension=Decimal("95.00"), payable=Decimal("125.00"), rounding=Decimal("0.00")),
        lines=[m.Line(id="1", quantity=Decimal("1.000"), unit="C62", net_amount=Decimal("95.00"))],
    )


def test_keys_and_types() -> None:
    data = invoice_to_json(_full_invoice())
    assert list(data) == TOP_KEYS
    assert list(data["seller"]) == PARTY_KEYS
    assert list(data["totals"]) == TOTAL_KEYS
    assert list(data["lines"][0]) == LINE_KEYS
    assert list(data["payment_means"][0]) == [
        "code",
        "payment_id",
        "account",
        "branch",
        "creditor_account",
        "mandate",
    ]
    assert list(data["vat_breakdown"][0]) == [
        "category",
        "rate",
        "taxable_amount",
        "tax_amount",
        "exemption_reason",
    ]
    assert data["document_type"] == "credit_note"
    assert (data["issue_date"], data["due_date"]) == ("2025-03-01", "2025-03-31")
    assert data["seller"]["address"] == {
        "street": "Vej 1",
        "city": "By",
        "postal_code": "1000",
        "country": "DK",
    }
    assert (data["seller"]["legal_id"], data["seller"]["legal_id_scheme"]) == ("12345678", "0184")
    assert (data["seller"]["endpoint_id"], data["seller"]["endpoint_scheme"]) == ("5798000416604", "0088")
    assert data["seller"]["contact_id"] == "C1"
    assert data["buyer"]["name"] is None and data["buyer"]["address"] is None
    assert data["payee"]["name"] == "Factor"
    assert data["payment_means"][0]["payment_id"] == "71#000000001234567"
    assert data["allowances_charges"][0]["amount"] == "5.00"
    assert data["vat_breakdown"][0]["rate"] == "25.00"
    assert data["totals"]["rounding"] == "0.00"  # zero is a value, not null
    assert data["totals"]["tax"] is None
    assert data["lines"][0]["quantity"] == "1.000"
    json.dumps(data)  # plain JSON types only


def test_nulls_for_a_bare_invoice() -> None:
    data = invoice_to_json(m.Invoice(format="cii", document_type=m.DocumentType.INVOICE))
    assert data["payee"] is None
    assert data["lines"] == data["notes"] == data["payment_means"] == []
    assert all(value is None for value in data["totals"].values())


def test_oioubl_document_digits_survive() -> None:
    path = corpora_path("oioubl-2.1", "Eksempelfiler", "OIOUBL_Invoice_v2p2.xml")
    data = invoice_to_json(read_document(path.read_bytes(), path.name))
    assert data["format"] == "oioubl-2"
    assert data["totals"] == {
        "line_extension": "5050.00",
        "tax_exclusive": "5050.00",
        "tax": "1262.50",
        "tax_inclusive": "6312.50",
        "allowances": None,
        "charges": None,
        "prepaid": None,
        "rounding": None,
        "payable": "6312.50",
    }
    assert data["buyer"]["endpoint_id"] == "5798009811578"
    assert data["buyer"]["endpoint_scheme"] == "GLN"
    assert data["buyer_reference"] == "7778"
    assert data["payment_means"] == [
        {
            "code": "42",
            "payment_id": None,
            "account": "1234567890",
            "branch": "1234",
            "creditor_account": None,
            "mandate": None,
        }
    ]
    assert data["lines"][1]["quantity"] == "2.00"
    assert data["lines"][1]["price"] == "25.00"
    assert json.loads(json.dumps(data)) == data
