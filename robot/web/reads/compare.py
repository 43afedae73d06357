"""What a finding disagrees with, for the invoice page to show beside it.

- a bank-details hold (:data:`classifiers.criteria.BANK_DETAIL_CODES`): the vendor master's bank
  details of the vendor the rule found (:func:`classifiers.builtin.vendors.find_vendor`) beside the
  invoice's payment means;
- a finding of an order rule (every rule that ``needs`` the orders): the purchase order the invoice
  names (BT-13) with its lines, each beside the invoice line matched to it the way the rules match
  (:func:`classifiers.builtin.orders.match_line`);
- a duplicate finding (every rule that ``needs`` the history): the earlier invoices in the store
  of the same supplier with the same number, the same bytes, the same amount and date, or (for a
  suspected duplicate) a number alike after folding, each by an indexed query.

The master data is read from the configuration's files once and again only when a file changed
(:func:`master_data`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz
from sqlalchemy import Select, select

from classifiers.api import PurchaseOrder, Vendor
from classifiers.builtin.orders import match_line
from classifiers.builtin.vendors import find_vendor
from classifiers.criteria import BANK_DETAIL_CODES
from classifiers.engine import load_rules
from classifiers.keys import canonical_invoice_number
from robot.model import Invoice, Line, PaymentMeans
from robot.store.schema import InvoiceRow

if TYPE_CHECKING:
    from robot.configuration.settings import LoadedConfig
    from robot.processing.context import MasterData
    from robot.store.repo import Store

EARLIER_SHOWN = 5
"""Earlier invoices shown per reason (the rules name at most three)."""
FUZZY_SCAN = 5000
"""A supplier's invoices compared for a similar number (newest first)."""
FUZZY_RATIO = 90.0


@dataclass(frozen=True, slots=True)
class BankComparison:
    vendor_number: str
    vendor_name: str
    master: tuple[tuple[str, str], ...]  # (label, value): what the vendor master says
    invoice: tuple[PaymentMeans, ...]  # what the invoice says


@dataclass(frozen=True, slots=True)
class OrderLineView:
    line_id: str
    item_id: str | None
    description: str | None
    quantity: Decimal
    price: Decimal
    invoiced: tuple[Line, ...]  # the invoice lines matched to it


@dataclass(frozen=True, slots=True)
class OrderComparison:
    number: str
    order: PurchaseOrder | None  # None: no such order in orders.yaml
    lines: tuple[OrderLineView, ...]
    unmatched: tuple[Line, ...]  # invoice lines matched to no order line


@dataclass(frozen=True, slots=True)
class EarlierInvoice:
    invoice_id: int
    invoice_number: str | None
    supplier_name: str | None
    customer_id: str | None
    issue_date: date | None
    payable: Decimal | None
    currency: str | None
    state: str
    received_at: datetime
    why_da: str
    why_en: str


@dataclass(frozen=True, slots=True)
class Comparison:
    bank: BankComparison | None = None
    order: OrderComparison | None = None
    earlier: tuple[EarlierInvoice, ...] = ()
    vendor_missing: bool = False  # a bank-details finding whose vendor is not (any more) in the master


_codes_lock = threading.Lock()
_codes: tuple[frozenset[str], frozenset[str]] | None = None


def rule_codes() -> tuple[frozenset[str], frozenset[str]]:
    """(the order rules' codes, the duplicate rules' codes), from the rule registry."""
    global _codes
    with _codes_lock:
        if _codes is None:
            registry = load_rules()
            orders = frozenset(s.code for s in registry if "orders" in s.needs)
            history = frozenset(s.code for s in registry if "history" in s.needs)
            _codes = (orders, history)
        return _codes


_master_lock = threading.Lock()
_master: dict[tuple[tuple[str, float], ...], MasterData] = {}


def master_data(config: LoadedConfig | None) -> MasterData | None:
    """The configuration's master data, read again only when one of its files changed."""
    if config is None:
        return None
    from robot.configuration.wiring import load_master

    cfg = config.cfg
    files = [config.file(p) for p in (cfg.customers, cfg.vendors, cfg.orders)]
    key = tuple((str(p), _mtime(p)) for p in files if p is not None)
    with _master_lock:
        found = _master.get(key)
        if found is None:
            found = load_master(config)
            _master.clear()
            _master[key] = found
        return found


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def compare(
    store: Store,
    row: InvoiceRow,
    invoice: Invoice | None,
    codes: set[str],
    master: MasterData | None,
    customer_id: str | None = None,
) -> Comparison:
    """What the invoice's findings (``codes``) disagree with; ``customer_id`` limits earlier invoices."""
    order_codes, history_codes = rule_codes()
    bank = order = None
    vendor_missing = False
    if invoice is not None and master is not None and codes & BANK_DETAIL_CODES:
        vendor, _ = find_vendor(invoice, master.vendors)
        if vendor is None:
            vendor_missing = True
        else:
            bank = BankComparison(
                vendor.number, vendor.name, bank_details(vendor), tuple(invoice.payment_means)
            )
    if invoice is not None and master is not None and codes & order_codes:
        order = order_lines(invoice, master, customer_id)
    earlier: tuple[EarlierInvoice, ...] = ()
    if codes & history_codes:
        earlier = earlier_invoices(store, row, similar="DUP-SUSPECT" in codes, customer_id=customer_id)
    return Comparison(bank, order, earlier, vendor_missing)


def bank_details(vendor: Vendor) -> tuple[tuple[str, str], ...]:
    """The vendor master's payment details of one vendor, as (label, value)."""
    shown = [
        ("IBAN", vendor.iban),
        ("Reg. nr. / Reg. no.", vendor.bank_reg),
        ("Konto / Account", vendor.bank_account),
        ("FIK-kreditor / FIK creditor", vendor.fik_creditor),
        ("Girokonto / Giro account", vendor.giro_account),
        ("NemKonto", "ja / yes" if vendor.nemkonto else None),
        ("CVR", vendor.cvr),
    ]
    return tuple((label, value) for label, value in shown if value)


def order_lines(
    invoice: Invoice, master: MasterData, customer_id: str | None = None
) -> OrderComparison | None:
    """The order the invoice names, each of its lines beside the invoice lines matched to it.

    A person limited to one customer (``customer_id``) is not shown another customer's order.
    """
    number = (invoice.order_reference or "").strip()
    if not number:
        return None
    po = master.orders.get(number)
    if po is not None and customer_id is not None and po.customer_id.casefold() != customer_id.casefold():
        po = None
    if po is None:
        return OrderComparison(number, None, (), tuple(invoice.lines))
    matched: dict[str, list[Line]] = {ol.line_id: [] for ol in po.lines}
    unmatched: list[Line] = []
    for line in invoice.lines:
        ol = match_line(line, po)
        if ol is None:
            unmatched.append(line)
        else:
            matched[ol.line_id].append(line)
    views = tuple(
        OrderLineView(
            ol.line_id, ol.item_id, ol.description, ol.quantity, ol.price, tuple(matched[ol.line_id])
        )
        for ol in po.lines
    )
    return OrderComparison(number, po, views, tuple(unmatched))


def earlier_invoices(
    store: Store, row: InvoiceRow, *, similar: bool, customer_id: str | None = None
) -> tuple[EarlierInvoice, ...]:
    """Other invoices of the same supplier a duplicate rule may have meant, each with why.

    Each reason is one query on an index (``ix_invoices_dup_number``, ``ix_invoices_dup_amount``,
    the document id); the similar numbers compare at most :data:`FUZZY_SCAN` of the supplier's.
    """
    base = select(*_EARLIER).where(InvoiceRow.id != row.id)
    if customer_id is not None:
        base = base.where(InvoiceRow.customer_id == customer_id)
    queries: list[tuple[Select[*tuple[Any, ...]], str, str]] = [
        (
            base.where(InvoiceRow.document_id == row.document_id),
            "samme dokument (bytes)",
            "the same document",
        ),
    ]
    if row.supplier_key and row.number_normalised:
        same_number = base.where(
            InvoiceRow.supplier_key == row.supplier_key, InvoiceRow.number_normalised == row.number_normalised
        )
        queries.append((same_number, "samme nummer", "the same number"))
    if row.supplier_key and row.payable and row.issue_date is not None:
        same_amount = base.where(
            InvoiceRow.supplier_key == row.supplier_key,
            InvoiceRow.payable == row.payable,
            InvoiceRow.issue_date == row.issue_date,
        )
        queries.append((same_amount, "samme beløb og dato", "the same amount and date"))
    found: dict[int, EarlierInvoice] = {}
    with store.sessions() as s:
        for query, why_da, why_en in queries:
            for other in s.execute(query.order_by(InvoiceRow.id).limit(EARLIER_SHOWN)):
                found.setdefault(other[0], _earlier(other, why_da, why_en))
        if similar and row.supplier_key and row.invoice_number:
            mine = canonical_invoice_number(row.invoice_number)
            query = (
                base.where(
                    InvoiceRow.supplier_key == row.supplier_key, InvoiceRow.invoice_number.is_not(None)
                )
                .order_by(InvoiceRow.id.desc())
                .limit(FUZZY_SCAN)
            )
            alike = [
                other
                for other in s.execute(query)
                if other[0] not in found
                and fuzz.ratio(mine, canonical_invoice_number(other[1])) >= FUZZY_RATIO
            ]
            for other in sorted(alike, key=lambda r: int(r[0]))[:EARLIER_SHOWN]:
                found[other[0]] = _earlier(other, "lignende nummer", "a similar number")
    return tuple(sorted(found.values(), key=lambda e: e.invoice_id))


def _earlier(values: Any, why_da: str, why_en: str) -> EarlierInvoice:
    """An :class:`EarlierInvoice` of one row of :data:`_EARLIER`."""
    i, number, name, customer, issued, payable, currency, state, received = values
    return EarlierInvoice(
        i, number, name, customer, issued, payable, currency, state, received, why_da, why_en
    )


#: the columns of an :class:`EarlierInvoice`, in its order
_EARLIER = (
    InvoiceRow.id,
    InvoiceRow.invoice_number,
    InvoiceRow.supplier_name,
    InvoiceRow.customer_id,
    InvoiceRow.issue_date,
    InvoiceRow.payable,
    InvoiceRow.currency,
    InvoiceRow.state,
    InvoiceRow.received_at,
)
