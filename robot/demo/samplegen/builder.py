"""Builds the sample set one document at a time: a clean base document, then a scenario's change.

Every document gets a file number, an issue date, a matching purchase order and the purchase
system's metadata; scenarios then break exactly one thing::

    >>> b = Builder(seed=2026)
    >>> doc = b.doc("peppol", "SFE", "K10001")
    >>> doc.person_ref, doc.order_ref
    ('ANJE', 'PO-2026-0001')
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from robot.demo.samplegen.customers import customer
from robot.demo.samplegen.documents import DocSpec, LineSpec, PaymentSpec
from robot.demo.samplegen.parties import SampleCustomer, SampleVendor, fik_payment_id
from robot.demo.samplegen.vendors import vendor

FIRST_DAY = date(2026, 3, 2)


@dataclass
class Entry:
    """One file of the set: its document (or the bytes of another file) and what the robot should do."""

    slug: str
    scenario: str
    doc: DocSpec
    verdict: str
    reason: str | None
    da: str
    en: str
    meta: dict[str, str]
    official_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    same_bytes_as: Entry | None = None
    related_to: Entry | None = None
    file: str = ""


@dataclass
class Builder:
    seed: int
    rng: random.Random = field(init=False)
    entries: list[Entry] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    _numbers: dict[str, int] = field(default_factory=dict)
    _order_no: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _next(self, key: str, start: int) -> int:
        self._numbers[key] = self._numbers.get(key, start) + 1
        return self._numbers[key]

    def payment(self, v: SampleVendor, number: str) -> PaymentSpec:
        if v.payment == "42":
            return PaymentSpec("42", account=v.bank_account, branch=v.bank_reg)
        if v.payment == "31":
            return PaymentSpec("31", account=v.iban, branch=v.bic)
        if v.payment.startswith("93"):
            kind = v.payment[3:]
            return PaymentSpec(
                "93",
                account=v.fik_creditor,
                fik_kind=kind,
                fik_id=fik_payment_id(number, 15 if kind == "71" else 16),
            )
        return PaymentSpec(v.payment)

    def doc(
        self,
        fmt: str,
        cid: str,
        vnumber: str | SampleVendor,
        *,
        quantities: tuple[int, ...] | None = None,
        credit_note: bool = False,
        max_net: Decimal | None = None,
    ) -> DocSpec:
        """A clean document: person reference, order number, account string, catalogue prices."""
        c: SampleCustomer = customer(cid)
        v = vendor(vnumber) if isinstance(vnumber, str) else vnumber
        index = len(self.entries)
        issue = FIRST_DAY + timedelta(days=index + self.rng.randint(0, 2))
        serial = self._next(v.number, 100 + self.rng.randint(0, 300))
        number = (
            f"{v.prefix}{issue.year}{serial:04d}"
            if v.prefix.isalpha()
            else f"{v.prefix}{issue.year}-{serial:04d}"
        )
        items = list(v.items)
        if quantities is None:
            picked = sorted(self.rng.sample(range(len(items)), k=self.rng.randint(1, len(items))))
            quantities = tuple(
                self._quantity(items[i].unit, items[i].price) if i in picked else 0 for i in range(len(items))
            )
        lines = [
            LineSpec(str(n), item, Decimal(q), order_line=str(n))
            for n, (item, q) in enumerate(
                ((it, q) for it, q in zip(items, quantities, strict=False) if q), start=1
            )
        ]
        while max_net is not None and sum(ln.net for ln in lines) > max_net:
            big = max(range(len(lines)), key=lambda i: lines[i].net)
            lines[big] = replace(
                lines[big], quantity=max(Decimal(1), (lines[big].quantity / 2).to_integral_value())
            )
            if lines[big].quantity == 1 and sum(ln.net for ln in lines) > max_net and len(lines) > 1:
                lines.pop(big)
        self._order_no += 1
        return DocSpec(
            fmt=fmt,
            credit_note=credit_note,
            number=number,
            issue_date=issue,
            due_date=issue + timedelta(days=30),
            seller=v,
            buyer=c,
            lines=lines,
            payment=self.payment(v, number),
            uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"fakturarobot-samples/{self.seed}/{index}/{number}")),
            person_ref=c.approvers[index % len(c.approvers)],
            order_ref=f"PO-2026-{self._order_no:04d}",
            order_date=issue - timedelta(days=self.rng.randint(7, 21)),
            accounting_cost=f"{c.account_prefix}-{self.rng.randint(100, 999)}",
            note=None,
        )

    def _quantity(self, unit: str, price: Decimal) -> int:
        if unit == "HUR":
            return self.rng.choice((4, 6, 8, 12, 16, 24, 37))
        if unit == "KGM":
            return self.rng.randint(2, 15)
        if price < 10:
            return self.rng.choice((500, 1000, 2500))
        return self.rng.randint(1, 12) if price < 5000 else self.rng.randint(1, 3)

    def order_for(self, doc: DocSpec, *, currency: str | None = None) -> None:
        """Record the purchase order the document's lines were ordered on."""
        assert doc.order_ref is not None
        lines = [
            {
                "line_id": ln.order_line or ln.id,
                "quantity": str(ln.quantity),
                "price": f"{ln.unit_price:.2f}",
                "item_id": ln.item.id,
                "description": ln.item.name,
            }
            for ln in doc.lines
        ]
        self.orders.append(
            {
                "number": doc.order_ref,
                "customer_id": doc.buyer.id,
                "vendor_cvr": doc.seller.cvr,
                "amount": f"{sum(ln.net for ln in doc.lines):.2f}",
                "currency": currency or doc.currency,
                "lines": lines,
            }
        )

    def add(
        self,
        slug: str,
        scenario: str,
        doc: DocSpec,
        verdict: str,
        reason: str | None,
        da: str,
        en: str,
        *,
        customer_id: str | None = None,
        remark: str = "",
        **extra: Any,
    ) -> Entry:
        meta = {
            "customer": doc.buyer.id if customer_id is None else customer_id,
            "approver": doc.person_ref or doc.buyer.approvers[0],
            "remark": remark,
            "account": doc.accounting_cost or "",
        }
        entry = Entry(slug, scenario, doc, verdict, reason, da, en, meta, **extra)
        suffix = "pdf" if doc.fmt.startswith("pdf") else "xml"
        entry.file = f"{len(self.entries) + 1:04d}-{slug}.{suffix}"
        self.entries.append(entry)
        return entry
