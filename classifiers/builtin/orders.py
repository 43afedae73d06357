"""Purchase orders: the order must exist for this customer and supplier, and the invoice must stay
within it (amount, quantity, price) up to the customer's tolerance (percent OR absolute DKK).

Invoice lines are matched to order lines by order line reference (BT-132), else by the seller's item
id (BT-155). Only overruns are errors: a partial delivery or a lower price is not a reason to return::

    >>> from decimal import Decimal
    >>> from classifiers.api import Context, OrderLine, PurchaseOrder
    >>> from classifiers.engine import Classifier
    >>> from robot.model import DocumentType, Identifier, Invoice, Line, Party
    >>> po = PurchaseOrder("PO-9", "SAM", "12345674", Decimal("1000"),
    ...                    lines=(OrderLine("1", Decimal("10"), Decimal("100")),))
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, order_reference="PO-9",
    ...               seller=Party(legal_id=Identifier("12345674", "0184")),
    ...               lines=[Line(id="1", quantity=Decimal("10"), price=Decimal("110"),
    ...                           order_line_reference="1")])
    >>> ctx = Context(customer_id="SAM", orders={"PO-9": po})
    >>> [f.code for f in Classifier(only=["orders"]).classify(inv, ctx).findings]
    ['PO-PRICE']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from stdnum.dk.cvr import compact as compact_cvr

from classifiers.api import Context, Finding, OrderLine, PurchaseOrder
from classifiers.builtin._family import Family
from classifiers.builtin.danish import criteria_of
from classifiers.criteria import Tolerance
from classifiers.keys import supplier_cvr
from classifiers.texts import Text, amount, amount_da, at_most, number, number_da
from robot.model import Invoice, Line

#: An invoice beyond its purchase order: the supplier credits the difference.
ORDERS = Family(status="UQ", reason="PRI", action="CNP", needs=("orders",))


def tolerance(ctx: Context) -> Tolerance:
    """The customer's order tolerance, overridden by this rule's ``percent``/``absolute`` params."""
    base = criteria_of(ctx).order_tolerance
    if "percent" not in ctx.params and "absolute" not in ctx.params:
        return base
    percent = ctx.params.get("percent", base.percent)
    absolute = ctx.params.get("absolute", base.absolute)
    return Tolerance(percent=Decimal(str(percent)), absolute=Decimal(str(absolute)))


def overrun(tol: Tolerance, expected: Decimal, actual: Decimal, weight: Decimal = Decimal(1)) -> bool:
    """``actual`` exceeds ``expected`` by more than percent AND more than ``absolute`` (money: × weight)."""
    excess = actual - expected
    if excess <= 0 or excess * abs(weight) <= tol.absolute:
        return False
    return expected == 0 or excess * 100 / abs(expected) > tol.percent


def order_of(invoice: Invoice, ctx: Context) -> PurchaseOrder | None:
    """The order the invoice refers to, if it exists, is this customer's and this supplier's."""
    ref = (invoice.order_reference or "").strip()
    order = ctx.orders.get(ref) if ref else None
    if order is None or (ctx.customer_id and order.customer_id != ctx.customer_id):
        return None
    cvr = supplier_cvr(invoice)
    if cvr and order.vendor_cvr and cvr != compact_cvr(order.vendor_cvr):
        return None
    return order


def match_line(line: Line, order: PurchaseOrder) -> OrderLine | None:
    if line.order_line_reference:
        for ol in order.lines:
            if ol.line_id == line.order_line_reference.strip():
                return ol
        return None
    if line.seller_item_id:
        for ol in order.lines:
            if ol.item_id and ol.item_id == line.seller_item_id.strip():
                return ol
    return None


def unit_price(line: Line) -> Decimal | None:
    if line.price is None:
        return None
    base = line.base_quantity if line.base_quantity not in (None, 0) else Decimal(1)
    return line.price / base


@ORDERS.rule("PO-UNKNOWN", status="RE", reason="REF", action="PIN", field="BT-13")
def order_exists(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The order number (BT-13) must be a purchase order of this customer with this supplier."""
    ref = (invoice.order_reference or "").strip()
    if not ref or order_of(invoice, ctx) is not None:
        return
    order = ctx.orders.get(ref)
    if order is None:
        why_da, why_en = "findes ikke", "does not exist"
    elif ctx.customer_id and order.customer_id != ctx.customer_id:
        why_da, why_en = f"tilhører kunde {order.customer_id}", f"belongs to customer {order.customer_id}"
    else:
        why_da, why_en = f"er afgivet til CVR {order.vendor_cvr}", f"was placed with CVR {order.vendor_cvr}"
    yield ctx.finding(
        da=f"Ordrenummeret (BT-13) '{ref}' {why_da}. Kunden skal oplyse leverandøren det rigtige "
        "ordrenummer, og leverandøren skal sende en ny faktura.",
        en=f"The order number (BT-13) '{ref}' {why_en}. The customer must give the supplier the right "
        "order number, and the supplier must issue a new invoice.",
        found=ref,
        expected=Text(
            "en ordre fra denne kunde hos denne leverandør", "an order of this customer with this supplier"
        ),
        status=criteria_of(ctx).return_status,
    )


def matched_lines(
    invoice: Invoice, ctx: Context
) -> Iterator[tuple[Line, OrderLine, PurchaseOrder, Tolerance]]:
    """Each invoice line matched to its order line, with the order and the tolerance (invoices only)."""
    order = order_of(invoice, ctx)
    if order is None or invoice.is_credit_note:
        return
    tol = tolerance(ctx)
    for line in invoice.lines:
        ol = match_line(line, order)
        if ol is not None:
            yield line, ol, order, tol


def line_overruns(
    invoice: Invoice,
    ctx: Context,
    invoiced: Callable[[Line], Decimal | None],
    ordered: Callable[[OrderLine], Decimal],
    weight: Callable[[Line, OrderLine], Decimal],
) -> Iterator[tuple[Line, OrderLine, PurchaseOrder, Decimal]]:
    """Each matched line whose ``invoiced`` value exceeds its order line's ``ordered`` one beyond the
    tolerance (``weight``: what one unit of the excess is worth), with that value."""
    for line, ol, order, tol in matched_lines(invoice, ctx):
        value = invoiced(line)
        if value is not None and overrun(tol, ordered(ol), value, weight=weight(line, ol)):
            yield line, ol, order, value


def _per_piece(line: Line, ol: OrderLine) -> Decimal:
    """A price too high by one costs it once per invoiced piece."""
    return line.quantity or Decimal(1)


def _at_order_price(line: Line, ol: OrderLine) -> Decimal:
    """A piece too many costs the ordered price."""
    return ol.price


@ORDERS.rule("PO-AMOUNT", field="BT-106")
def order_amount(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The invoice's goods amount (line total BT-106 less allowances BT-107; freight and other charges
    excluded) may not exceed the order amount beyond the tolerance."""
    order = order_of(invoice, ctx)
    # Goods and services ordered: the line total less document allowances (BT-106 − BT-107).
    # Charges such as freight (BT-108) are not on a purchase order and are not held against it.
    lines_total = invoice.totals.line_extension
    net = None if lines_total is None else lines_total - (invoice.totals.allowances or Decimal("0"))
    if order is None or net is None or invoice.is_credit_note:
        return
    tol = tolerance(ctx)
    if overrun(tol, order.amount, net):
        yield ctx.finding(
            da=f"Fakturaens varebeløb (BT-106 − BT-107) {amount_da(net)} overstiger ordre {order.number}s "
            f"beløb {amount_da(order.amount)} mere end tolerancen ({number_da(tol.percent)} % / "
            f"{amount_da(tol.absolute)}). Leverandøren skal kreditere forskellen.",
            en=f"The invoice's goods amount (BT-106 − BT-107) {net} exceeds order {order.number}'s amount "
            f"{order.amount} beyond the tolerance ({tol.percent}% / {tol.absolute}). "
            "The supplier must credit the difference.",
            found=net,
            expected=at_most(amount(order.amount)),
        )


@ORDERS.rule("PO-PRICE", field="BT-146")
def order_price(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's unit price (BT-146/BT-149) may not exceed the ordered price beyond the tolerance."""
    for line, ol, order, price in line_overruns(invoice, ctx, unit_price, lambda ol: ol.price, _per_piece):
        yield ctx.finding(
            da=f"Linje {line.id}: stykprisen (BT-146) {amount_da(price)} er højere end ordrens pris "
            f"{amount_da(ol.price)} "
            f"(ordre {order.number}, linje {ol.line_id}). Leverandøren skal kreditere forskellen.",
            en=f"Line {line.id}: the unit price (BT-146) {price} is higher than the ordered price "
            f"{ol.price} (order {order.number}, line {ol.line_id}). "
            "The supplier must credit the difference.",
            found=price,
            expected=at_most(amount(ol.price)),
            line_id=line.id,
        )


@ORDERS.rule("PO-QUANTITY", reason="QTY", field="BT-129")
def order_quantity(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's quantity (BT-129) may not exceed the ordered quantity beyond the tolerance."""
    quantities = line_overruns(
        invoice, ctx, lambda line: line.quantity, lambda ol: ol.quantity, _at_order_price
    )
    for line, ol, order, quantity in quantities:
        yield ctx.finding(
            da=f"Linje {line.id}: antallet (BT-129) {number_da(quantity)} er større end det "
            f"bestilte {number_da(ol.quantity)} (ordre {order.number}, linje {ol.line_id}). "
            "Leverandøren skal kreditere det for meget fakturerede.",
            en=f"Line {line.id}: the quantity (BT-129) {quantity} is more than the {ol.quantity} "
            f"ordered (order {order.number}, line {ol.line_id}). The supplier must credit the excess.",
            found=number(quantity),
            expected=at_most(number(ol.quantity)),
            line_id=line.id,
        )


@ORDERS.rule("PO-LINE-UNKNOWN", reason="ITM", action="PIN", field="BT-132")
def order_line_known(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An order line reference (BT-132) must name a line of the referenced order."""
    order = order_of(invoice, ctx)
    if order is None or not order.lines:
        return
    known = ", ".join(ol.line_id for ol in order.lines)
    for line in invoice.lines:
        if line.order_line_reference and match_line(line, order) is None:
            yield ctx.finding(
                da=f"Linje {line.id} henviser til ordrelinje (BT-132) '{line.order_line_reference}', som "
                f"ikke findes på ordre {order.number} (linjer: {known}). Kunden skal afklare varen med "
                "leverandøren.",
                en=f"Line {line.id} refers to order line (BT-132) '{line.order_line_reference}', which is "
                f"not on order {order.number} (lines: {known}). The customer must settle the item with the "
                "supplier.",
                found=line.order_line_reference,
                expected=Text(f"en af {known}", f"one of {known}"),
                line_id=line.id,
            )
