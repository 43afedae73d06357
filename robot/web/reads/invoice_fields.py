"""Where a finding's field (an EN 16931 BT id) is on the document, and the value it has there.

A finding names the business term it points at (``finding.field``: ``BT-84``, ``BT-1``, ...) and,
for a line, the line (``finding.line_id``). :func:`value_at` gives what the document carries there,
as a person reads it, so the invoice page can show it beside the finding and mark it on the
document. A field the document does not carry is ``None`` (the finding is often about exactly
that); a BT id this module does not know is ``None`` too.

    >>> from robot.model import DocumentType, Invoice, Line
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="F-7",
    ...               lines=[Line(id="2", quantity=Decimal("3"))])
    >>> value_at(inv, "BT-1"), value_at(inv, "BT-129", "2"), value_at(inv, "BT-129", "9")
    ('F-7', '3', None)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from robot.model import Identifier, Invoice, Line, Party, PaymentMeans

Getter = Callable[[Invoice], object]
LineGetter = Callable[[Line], object]


def _ident(value: Identifier | None) -> str | None:
    if value is None or not value.value:
        return None
    return f"{value.value} ({value.scheme})" if value.scheme else value.value


def _means(pick: Callable[[PaymentMeans], str | None]) -> Getter:
    return lambda inv: [v for v in (pick(pm) for pm in inv.payment_means) if v]


def _contact(party: Party, pick: Callable[[str | None, str | None], str | None]) -> str | None:
    contact = party.contact
    return pick(contact.name, contact.email) if contact else None


#: document-level business terms → their value on the invoice
DOCUMENT: dict[str, Getter] = {
    "BT-1": lambda inv: inv.number,
    "BT-2": lambda inv: inv.issue_date,
    "BT-3": lambda inv: inv.type_code,
    "BT-5": lambda inv: inv.currency,
    "BT-6": lambda inv: inv.tax_currency,
    "BT-7": lambda inv: inv.tax_point_date,
    "BT-9": lambda inv: inv.due_date,
    "BT-10": lambda inv: inv.person_reference,
    "BT-11": lambda inv: inv.project_reference,
    "BT-12": lambda inv: inv.contract_reference,
    "BT-13": lambda inv: inv.order_reference,
    "BT-14": lambda inv: inv.sales_order_reference,
    "BT-19": lambda inv: inv.accounting_cost,
    "BT-20": lambda inv: inv.payment_terms,
    "BT-22": lambda inv: inv.notes,
    "BT-23": lambda inv: inv.profile_id,
    "BT-24": lambda inv: inv.customization_id,
    "BT-25": lambda inv: inv.preceding_invoices,
    "BT-27": lambda inv: inv.seller.name,
    "BT-28": lambda inv: inv.seller.trading_name,
    "BT-29": lambda inv: [_ident(i) for i in inv.seller.party_ids],
    "BT-30": lambda inv: _ident(inv.seller.legal_id),
    "BT-31": lambda inv: inv.seller.vat_id,
    "BT-34": lambda inv: _ident(inv.seller.endpoint),
    "BT-41": lambda inv: _contact(inv.seller, lambda name, _: name),
    "BT-43": lambda inv: _contact(inv.seller, lambda _, email: email),
    "BT-44": lambda inv: inv.buyer.name,
    "BT-46": lambda inv: [_ident(i) for i in inv.buyer.party_ids],
    "BT-47": lambda inv: _ident(inv.buyer.legal_id),
    "BT-48": lambda inv: inv.buyer.vat_id,
    "BT-49": lambda inv: _ident(inv.buyer.endpoint),
    "BT-56": lambda inv: _contact(inv.buyer, lambda name, _: name),
    "BT-59": lambda inv: inv.payee.name if inv.payee else None,
    "BT-72": lambda inv: inv.delivery_date,
    "BT-81": _means(lambda pm: pm.code),
    "BT-83": _means(lambda pm: pm.payment_id or pm.instruction_id),
    "BT-84": _means(lambda pm: " ".join(v for v in (pm.branch, pm.account or pm.creditor_account) if v)),
    "BT-85": _means(lambda pm: pm.account_name),
    "BT-86": _means(lambda pm: pm.branch),
    "BT-106": lambda inv: inv.totals.line_extension,
    "BT-107": lambda inv: inv.totals.allowances,
    "BT-108": lambda inv: inv.totals.charges,
    "BT-109": lambda inv: inv.totals.tax_exclusive,
    "BT-110": lambda inv: inv.totals.tax,
    "BT-111": lambda inv: inv.totals.tax_accounting,
    "BT-112": lambda inv: inv.totals.tax_inclusive,
    "BT-113": lambda inv: inv.totals.prepaid,
    "BT-114": lambda inv: inv.totals.rounding,
    "BT-115": lambda inv: inv.totals.payable,
    "BT-116": lambda inv: [v.taxable_amount for v in inv.vat_breakdown],
    "BT-117": lambda inv: [v.tax_amount for v in inv.vat_breakdown],
    "BT-118": lambda inv: [v.category for v in inv.vat_breakdown],
    "BT-119": lambda inv: [v.rate for v in inv.vat_breakdown],
}

#: line-level business terms → their value on one line
LINE: dict[str, LineGetter] = {
    "BT-126": lambda ln: ln.id,
    "BT-127": lambda ln: ln.note,
    "BT-129": lambda ln: ln.quantity,
    "BT-130": lambda ln: ln.unit,
    "BT-131": lambda ln: ln.net_amount,
    "BT-132": lambda ln: ln.order_line_reference,
    "BT-133": lambda ln: ln.accounting_cost,
    "BT-146": lambda ln: ln.price,
    "BT-147": lambda ln: ln.price_discount,
    "BT-148": lambda ln: ln.gross_price,
    "BT-149": lambda ln: ln.base_quantity,
    "BT-151": lambda ln: ln.vat_category,
    "BT-152": lambda ln: ln.vat_rate,
    "BT-153": lambda ln: ln.item_name,
    "BT-154": lambda ln: ln.item_description,
    "BT-155": lambda ln: ln.seller_item_id,
    "BT-157": lambda ln: _ident(ln.standard_item_id),
}


def text_of(value: object) -> str | None:
    """A value as a person reads it: dates ISO, amounts as written, lists joined; empty → None."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list | tuple):
        parts = [t for t in (text_of(v) for v in value) if t]
        return ", ".join(parts) or None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def base_field(field: str | None) -> str | None:
    """``BT-84`` of ``BT-84``, ``bt-84 `` or ``BT-84/BT-86`` (the first term named)."""
    if not field:
        return None
    first = field.strip().upper().split("/")[0].split(",")[0].strip()
    return first or None


def value_at(invoice: Invoice, field: str | None, line_id: str | None = None) -> str | None:
    """The document's value of ``field`` (on line ``line_id`` for a line-level term), or None."""
    bt = base_field(field)
    if bt is None:
        return None
    if bt in LINE:
        lines = [ln for ln in invoice.lines if line_id is None or (ln.id or "") == line_id]
        return text_of([LINE[bt](ln) for ln in lines])
    getter = DOCUMENT.get(bt)
    return text_of(getter(invoice)) if getter is not None else None
