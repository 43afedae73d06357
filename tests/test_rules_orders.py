"""Purchase-order rules: the order exists, and amount, quantity and price stay within tolerance."""

from __future__ import annotations

from decimal import Decimal

from classifiers.api import Context, Finding, OrderLine, PurchaseOrder
from classifiers.criteria import CustomerCriteria, RuleSetting, Tolerance
from classifiers.engine import Classifier
from robot.model import DocumentType, Identifier, Invoice, Line, Party, Totals

D = Decimal
ORDER = PurchaseOrder(
    "PO-9",
    "SAM",
    "12345674",
    D("1000.00"),
    lines=(OrderLine("1", D("10"), D("50.00"), item_id="PEN"), OrderLine("2", D("5"), D("100.00"))),
)
OTHER = PurchaseOrder("PO-OTHER", "UNI", "12345674", D("10"))


def invoice(*lines: Line, net: str = "1000.00", order: str | None = "PO-9", cvr: str = "12345674") -> Invoice:
    return Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        number="1",
        order_reference=order,
        seller=Party(legal_id=Identifier(f"DK{cvr}", "0184")),
        totals=Totals(line_extension=D(net), tax_exclusive=D(net)),
        lines=list(lines),
    )


def line(lid: str, qty: str, price: str, ref: str | None = None, item: str | None = None) -> Line:
    return Line(id=lid, quantity=D(qty), price=D(price), order_line_reference=ref, seller_item_id=item)


def run(code: str, inv: Invoice, criteria: CustomerCriteria | None = None) -> list[Finding]:
    ctx = Context(customer_id="SAM", criteria=criteria, orders={"PO-9": ORDER, "PO-OTHER": OTHER})
    return list(Classifier(only=[code]).classify(inv, ctx).findings)


def test_order_must_exist_for_customer_and_supplier() -> None:
    assert run("PO-UNKNOWN", invoice()) == []
    assert run("PO-UNKNOWN", invoice(order=None)) == []  # DK-REFERENCE's business
    [f] = run("PO-UNKNOWN", invoice(order="PO-404"))
    assert (f.status, f.reason, f.action, f.field) == ("RE", "REF", "PIN", "BT-13")
    assert "PO-404" in f.message_da and "does not exist" in f.message_en
    [g] = run("PO-UNKNOWN", invoice(order="PO-OTHER"))
    assert "customer UNI" in g.message_en
    [h] = run("PO-UNKNOWN", invoice(cvr="87654321"), CustomerCriteria(return_status="UQ"))
    assert h.status == "UQ" and "CVR 12345674" in h.message_en


def test_amount_within_default_tolerance_passes_and_above_is_returned() -> None:
    assert run("PO-AMOUNT", invoice(net="1001.00")) == []  # absolute 1.00
    assert run("PO-AMOUNT", invoice(net="900.00")) == []  # partial invoice
    [f] = run("PO-AMOUNT", invoice(net="1001.01"))
    assert (f.status, f.reason, f.action, f.field) == ("UQ", "PRI", "CNP", "BT-106")
    assert "1.001,01" in f.message_da and "1001.01" in f.message_en and "credit" in f.message_en


def test_amount_tolerance_percent_from_customer_and_rule_params() -> None:
    loose = CustomerCriteria(order_tolerance=Tolerance(percent=D("2")))
    assert run("PO-AMOUNT", invoice(net="1020.00"), loose) == []
    assert run("PO-AMOUNT", invoice(net="1020.01"), loose) != []
    per_rule = CustomerCriteria(rules={"PO-AMOUNT": RuleSetting(params={"percent": "5"})})
    assert run("PO-AMOUNT", invoice(net="1050.00"), per_rule) == []


def test_price_matched_by_order_line_reference_or_item_id() -> None:
    [f] = run("PO-PRICE", invoice(line("a", "10", "55.00", ref="1")))
    assert (f.reason, f.field, f.line_id, f.found) == ("PRI", "BT-146", "a", "55.00")
    [g] = run("PO-PRICE", invoice(line("b", "10", "55.00", item="PEN")))
    assert g.line_id == "b" and "order PO-9, line 1" in g.message_en
    assert run("PO-PRICE", invoice(line("c", "10", "50.00", ref="1"))) == []
    assert run("PO-PRICE", invoice(line("d", "10", "45.00", ref="1"))) == []  # cheaper is fine


def test_price_per_base_quantity() -> None:
    per_ten = Line(
        id="e", quantity=D("10"), price=D("500.00"), base_quantity=D("10"), order_line_reference="1"
    )
    assert run("PO-PRICE", invoice(per_ten)) == []


def test_quantity() -> None:
    [f] = run("PO-QUANTITY", invoice(line("a", "12", "50.00", ref="1")))
    assert (f.reason, f.action, f.field, f.found) == ("QTY", "CNP", "BT-129", "12")
    assert "antallet" in f.message_da and "ordered" in f.message_en
    assert run("PO-QUANTITY", invoice(line("a", "8", "50.00", ref="1"))) == []
    money = CustomerCriteria(order_tolerance=Tolerance(absolute=D("100")))  # 2 × 50.00 within 100 DKK
    assert run("PO-QUANTITY", invoice(line("a", "12", "50.00", ref="1")), money) == []


def test_unknown_order_line() -> None:
    [f] = run("PO-LINE-UNKNOWN", invoice(line("a", "1", "1", ref="9")))
    assert (f.status, f.reason, f.field) == ("UQ", "ITM", "BT-132") and "1, 2" in f.message_en
    assert run("PO-LINE-UNKNOWN", invoice(line("a", "1", "1", ref="2"))) == []


def test_order_rules_switched_off_per_customer() -> None:
    off = CustomerCriteria(rules={"PO-PRICE": RuleSetting(enabled=False)})
    assert run("PO-PRICE", invoice(line("a", "10", "99.00", ref="1")), off) == []
