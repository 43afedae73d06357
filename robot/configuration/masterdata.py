"""Master data files: vendors, purchase orders and customers, validated with file and line on errors.

    >>> vendors = load_vendors(Path("samples/vendors.yaml"))
    >>> vendors[0].number, vendors[0].cvr
    ('K10001', '91200015')

``vendors.yaml`` and ``orders.yaml`` are described in the README; ``customers.yaml`` follows
:mod:`classifiers.criteria`. Identifiers are checked with python-stdnum: a CVR must be 8 digits
(a failing modulus-11 check is only a warning, see domain.md §3), a GLN must carry a valid GS1
check digit, an IBAN must pass its checksum. Rule codes in customer criteria are checked by
``fakturarobot check-config``, which knows the rule registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, field_validator
from stdnum import ean, iban
from stdnum.dk import cvr as dk_cvr
from stdnum.exceptions import ValidationError as StdnumError

from classifiers.api import OrderLine, PurchaseOrder, Vendor
from classifiers.criteria import CustomersFile
from robot.configuration.yamlconf import Loc, load_yaml_model

CENT = Decimal("0.01")


def _digits(value: str, field: str, lengths: Iterable[int]) -> str:
    value = value.strip().replace(" ", "")
    allowed = sorted(set(lengths))
    if not value.isdigit() or len(value) not in allowed:
        span = f"{allowed[0]}" if len(allowed) == 1 else f"{allowed[0]}–{allowed[-1]}"
        raise ValueError(f"{field} must be {span} digits")
    return value


def check_cvr(value: str) -> str:
    """8 digits, optional ``DK`` prefix; the modulus-11 check is left to :func:`cvr_warnings`."""
    return _digits(dk_cvr.compact(value), "CVR number", [8])


def check_gln(value: str) -> str:
    """A 13-digit GLN (EAN location number) with a valid GS1 check digit."""
    value = _digits(value, "GLN", [13])
    try:
        ean.validate(value)
    except StdnumError:
        raise ValueError(
            f"GLN check digit is wrong (expected {ean.calc_check_digit(value[:-1])} last)"
        ) from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VendorEntry(_Strict):
    number: str = Field(min_length=1)
    name: str = Field(min_length=1)
    cvr: str | None = None
    endpoint_id: str | None = None
    bank_reg: str | None = None
    bank_account: str | None = None
    iban: str | None = None
    fik_creditor: str | None = None
    giro_account: str | None = None
    nemkonto: bool = False
    blocked: bool = False

    _cvr = field_validator("cvr")(lambda v: None if v is None else check_cvr(v))
    _gln = field_validator("endpoint_id")(lambda v: None if v is None else check_gln(v))
    _reg = field_validator("bank_reg")(
        lambda v: None if v is None else _digits(v, "bank reg. no.", range(1, 5))
    )
    _acc = field_validator("bank_account")(
        lambda v: None if v is None else _digits(v, "bank account", range(1, 11))
    )
    _fik = field_validator("fik_creditor")(lambda v: None if v is None else _digits(v, "FIK creditor", [8]))
    _giro = field_validator("giro_account")(
        lambda v: None if v is None else _digits(v, "giro account", [7, 8])
    )

    @field_validator("iban")
    @classmethod
    def _iban(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            return str(iban.validate(v))
        except StdnumError as exc:
            raise ValueError(f"IBAN is not valid: {exc}") from None

    def to_vendor(self) -> Vendor:
        return Vendor(**self.model_dump())


class VendorsFile(_Strict):
    vendors: tuple[VendorEntry, ...]


class OrderLineEntry(_Strict):
    line_id: str = Field(min_length=1)
    quantity: Decimal
    price: Decimal
    item_id: str | None = None
    description: str | None = None


class OrderEntry(_Strict):
    number: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    vendor_cvr: str
    amount: Decimal
    currency: str = Field(default="DKK", pattern=r"^[A-Z]{3}$")
    lines: tuple[OrderLineEntry, ...] = ()

    _cvr = field_validator("vendor_cvr")(lambda v: check_cvr(v))

    def to_order(self) -> PurchaseOrder:
        lines = tuple(OrderLine(**line.model_dump()) for line in self.lines)
        data = self.model_dump(exclude={"lines"})
        return PurchaseOrder(**data, lines=lines)


class OrdersFile(_Strict):
    orders: tuple[OrderEntry, ...]


def _duplicates(values: Iterable[tuple[Loc, str | None]], what: str) -> Iterable[tuple[Loc, str]]:
    seen: dict[str, Loc] = {}
    for loc, value in values:
        if value is None:
            continue
        if value in seen:
            first = seen[value]
            yield loc, f"duplicate {what} {value!r} (first at {'.'.join(map(str, first))})"
        else:
            seen[value] = loc


def _vendor_checks(doc: VendorsFile) -> Iterable[tuple[Loc, str]]:
    yield from _duplicates(
        ((("vendors", i, "number"), v.number) for i, v in enumerate(doc.vendors)), "vendor number"
    )
    yield from _duplicates(((("vendors", i, "cvr"), v.cvr) for i, v in enumerate(doc.vendors)), "CVR")


def _order_checks(doc: OrdersFile) -> Iterable[tuple[Loc, str]]:
    yield from _duplicates(
        ((("orders", i, "number"), o.number) for i, o in enumerate(doc.orders)), "order number"
    )
    for i, order in enumerate(doc.orders):
        if order.lines:
            total = sum(
                ((ln.quantity * ln.price).quantize(CENT, ROUND_HALF_UP) for ln in order.lines), Decimal("0")
            )
            if total != order.amount:
                yield (
                    ("orders", i, "amount"),
                    f"amount {order.amount} differs from the sum of its lines {total}",
                )
        yield from _duplicates(
            ((("orders", i, "lines", j, "line_id"), ln.line_id) for j, ln in enumerate(order.lines)),
            "line_id",
        )


def _customer_checks(doc: CustomersFile) -> Iterable[tuple[Loc, str]]:
    yield from _duplicates(
        ((("customers", i, "id"), c.id) for i, c in enumerate(doc.customers)), "customer id"
    )
    eans = [
        (("customers", i, "eans", j), e) for i, c in enumerate(doc.customers) for j, e in enumerate(c.eans)
    ]
    yield from _duplicates(eans, "EAN")
    for loc, value in eans:
        try:
            check_gln(value)
        except ValueError as exc:
            yield loc, f"{exc} (found {value!r})"
    for i, c in enumerate(doc.customers):
        for j, cvr in enumerate(c.criteria.supplier_allow_list):
            try:
                check_cvr(cvr)
            except ValueError as exc:
                yield ("customers", i, "criteria", "supplier_allow_list", j), f"{exc} (found {cvr!r})"


def cvr_warnings(vendors: Iterable[Vendor]) -> list[str]:
    """Vendors whose CVR fails the modulus-11 check: community validators reject them, we only warn."""
    return [
        f"vendor {v.number}: CVR {v.cvr} fails the modulus-11 check"
        for v in vendors
        if v.cvr is not None and not dk_cvr.is_valid(v.cvr)
    ]


def load_vendors(path: Path) -> list[Vendor]:
    """The vendor master from ``vendors.yaml``; raises ConfigError with file and line."""
    doc = load_yaml_model(path, VendorsFile, checks=[_vendor_checks])
    vendors = [entry.to_vendor() for entry in doc.vendors]
    for warning in cvr_warnings(vendors):
        logger.warning("{}: {}", path, warning)
    return vendors


def load_orders(path: Path) -> dict[str, PurchaseOrder]:
    """Purchase orders from ``orders.yaml``, by order number."""
    doc = load_yaml_model(path, OrdersFile, checks=[_order_checks])
    return {entry.number: entry.to_order() for entry in doc.orders}


def load_customers(path: Path) -> CustomersFile:
    """Customers and their criteria from ``customers.yaml``."""
    return load_yaml_model(path, CustomersFile, checks=[_customer_checks])
