"""What a sample document says, independent of syntax, and the EN 16931 arithmetic of its totals.

A :class:`DocSpec` is rendered by :mod:`robot.demo.samplegen.peppol` or :mod:`robot.demo.samplegen.oioubl`.
``tamper`` shifts one rendered total to make an error scenario (``{"payable": Decimal("100")}``)::

    >>> line = LineSpec("1", Item("A", "Kontorstol", "EA", Decimal("1240.00")), Decimal("10"))
    >>> line.net
    Decimal('12400.00')
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from robot.demo.samplegen.parties import Item, SampleCustomer, SampleVendor

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    return f"{money(value):.2f}"


def fmt_qty(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class LineSpec:
    id: str
    item: Item
    quantity: Decimal
    price: Decimal | None = None  # default: the catalogue price
    order_line: str | None = None

    @property
    def unit_price(self) -> Decimal:
        return self.item.price if self.price is None else self.price

    @property
    def net(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class AllowanceSpec:
    """A document-level allowance (discount) or charge (freight), VAT category S 25 %."""

    is_charge: bool
    amount: Decimal
    reason: str
    reason_code: str  # UNCL5189 (allowance) / UNCL7161 (charge)
    category: str = "S"
    rate: Decimal = Decimal("25")


@dataclass(frozen=True)
class PaymentSpec:
    """Payment means: code 31/42/93/97 and what it carries."""

    code: str
    account: str | None = None  # IBAN (31), domestic account (42), FIK creditor (93)
    branch: str | None = None  # BIC (31) or reg. no. (42)
    fik_kind: str | None = None  # "71" or "75"
    fik_id: str | None = None  # 15 or 16 digits


@dataclass
class DocSpec:
    fmt: str  # "peppol" or "oioubl"
    credit_note: bool
    number: str
    issue_date: date
    due_date: date
    seller: SampleVendor
    buyer: SampleCustomer
    lines: list[LineSpec]
    payment: PaymentSpec
    uuid: str
    currency: str = "DKK"
    buyer_ean: str | None = None  # default: the customer's EAN
    person_ref: str | None = None
    order_ref: str | None = None
    order_date: date | None = None
    accounting_cost: str | None = None
    allowances: list[AllowanceSpec] = field(default_factory=list)
    note: str | None = None
    billing_ref: tuple[str, date] | None = None  # credit notes: the invoice credited
    payment_terms_days: int = 30
    tamper: dict[str, Decimal] = field(default_factory=dict)

    @property
    def ean(self) -> str:
        return self.buyer_ean or self.buyer.ean

    def totals(self) -> Totals:
        return Totals.of(self)


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    line_extension: Decimal
    allowances: Decimal
    charges: Decimal
    tax_exclusive: Decimal
    vat: tuple[VatGroup, ...]
    tax: Decimal
    tax_inclusive: Decimal
    payable: Decimal

    @classmethod
    def of(cls, doc: DocSpec) -> Totals:
        line_ext = sum((ln.net for ln in doc.lines), Decimal("0"))
        allowances = sum((a.amount for a in doc.allowances if not a.is_charge), Decimal("0"))
        charges = sum((a.amount for a in doc.allowances if a.is_charge), Decimal("0"))
        taxable: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
        for ln in doc.lines:
            taxable[(ln.item.category, ln.item.rate)] += ln.net
        for a in doc.allowances:
            taxable[(a.category, a.rate)] += a.amount if a.is_charge else -a.amount
        order = {"S": 0, "Z": 1, "E": 2}
        groups = tuple(
            VatGroup(cat, rate, money(base), money(base * rate / 100))
            for (cat, rate), base in sorted(
                taxable.items(), key=lambda kv: (order.get(kv[0][0], 9), -kv[0][1])
            )
        )
        tax = sum((g.tax for g in groups), Decimal("0"))
        tax_excl = line_ext - allowances + charges
        return cls(line_ext, allowances, charges, tax_excl, groups, tax, tax_excl + tax, tax_excl + tax)
