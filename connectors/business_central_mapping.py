"""From a :class:`~connectors.base.Posting` to Business Central request bodies, checked first.

An invoice becomes a ``purchaseInvoice`` (``vendorInvoiceNumber``, ``invoiceDate``), a credit note
a ``purchaseCreditMemo`` (``vendorCreditMemoNumber``, ``creditMemoDate``) with the same lines,
amounts positive as the supplier sent them (BC turns the sign when it posts a credit memo).

Everything the ERP would refuse for want of configuration is caught here, before any call, as a
:class:`~robot.errors.BusinessError` naming what is missing: a G/L account, a tax code for a VAT
rate, a mandatory dimension. Per customer, an account-string pattern may split the approver's
coding into G/L account and dimensions::

    uni = CustomerMapping(account_string_pattern=r"(?P<account>\\d{4})\\.(?P<dim1>\\d{4})")
    plan = plan_posting(posting, customers={"UNI": uni}, default_account=None,
                        tax_codes={"25": "MOMS25"}, mandatory_dimensions=[])
    plan.header["shortcutDimension1Code"], plan.lines[0]["lineObjectNumber"]
    # → ('1200', '4000')

Order of precedence for a line's account: line account (or the posting's account string) through
the customer's pattern, then the customer's ``default_account``, then the global one. Dimensions:
the line's own (BC names), the pattern's ``dim1``/``dim2``, then the customer's defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import Posting
from robot.errors import BusinessError

CENT = Decimal("0.01")
Dimension = Literal["shortcutDimension1Code", "shortcutDimension2Code"]
DIMENSIONS: tuple[Dimension, ...] = ("shortcutDimension1Code", "shortcutDimension2Code")
PATTERN_GROUPS = {"shortcutDimension1Code": "dim1", "shortcutDimension2Code": "dim2"}
ADJUSTMENT_TEXT = "Rabat/gebyr på dokumentniveau / document-level allowance or charge"


def rate_key(rate: Decimal | str) -> str:
    """``Decimal("25.00")`` → ``"25"``: the key of ``tax_codes``."""
    return format(Decimal(str(rate)).normalize(), "f")


class CustomerMapping(BaseModel):
    """How one customer's invoices are coded in the ERP."""

    model_config = ConfigDict(extra="forbid")

    default_account: str | None = None
    shortcut_dimension_1_code: str | None = None
    shortcut_dimension_2_code: str | None = None
    account_string_pattern: str | None = Field(
        default=None, description="regex (full match) with named groups account, dim1, dim2"
    )
    mandatory_dimensions: list[Dimension] = []

    @field_validator("account_string_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            groups = set(re.compile(value).groupindex)
            if not groups or not groups <= {"account", "dim1", "dim2"}:
                raise ValueError("named groups must be among account, dim1, dim2 (and at least one)")
        return value

    def default(self, dim: Dimension) -> str | None:
        return (
            self.shortcut_dimension_1_code
            if dim == "shortcutDimension1Code"
            else self.shortcut_dimension_2_code
        )


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """Where a posting's document type lives in BC API v2.0, and the fields that differ."""

    entity_set: str
    lines_set: str
    number_field: str  # the vendor's own document number: the idempotency key with vendor and year
    date_field: str
    label: str


PURCHASE_INVOICE = DocumentKind(
    "purchaseInvoices", "purchaseInvoiceLines", "vendorInvoiceNumber", "invoiceDate", "invoice"
)
PURCHASE_CREDIT_MEMO = DocumentKind(
    "purchaseCreditMemos",
    "purchaseCreditMemoLines",
    "vendorCreditMemoNumber",
    "creditMemoDate",
    "credit memo",
)
DOCUMENT_KINDS = {"invoice": PURCHASE_INVOICE, "credit_note": PURCHASE_CREDIT_MEMO}


def document_kind(document_type: str) -> DocumentKind | None:
    """``"credit_note"`` → :data:`PURCHASE_CREDIT_MEMO`; None for a type BC is not given."""
    return DOCUMENT_KINDS.get(document_type)


@dataclass(frozen=True, slots=True)
class Plan:
    """The request bodies for one posting, and the totals the ERP must show before posting."""

    kind: DocumentKind
    header: dict[str, Any]
    lines: tuple[dict[str, Any], ...]
    net_amount: Decimal
    vat_amount: Decimal


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def plan_posting(
    posting: Posting,
    *,
    customers: dict[str, CustomerMapping],
    default_account: str | None,
    tax_codes: dict[str, str],
    mandatory_dimensions: list[Dimension],
) -> Plan:
    """The header and line bodies for ``posting``; BusinessError when something is missing."""
    kind = document_kind(posting.document_type)
    label = kind.label if kind else posting.document_type
    ref = f"{label} {posting.vendor_invoice_number or '?'} from vendor {posting.vendor_number}"
    if kind is None:
        raise BusinessError(
            f"{ref}: a {posting.document_type} cannot be booked as a purchase invoice or credit memo; "
            "book it by hand"
        )
    if not posting.vendor_invoice_number:
        raise BusinessError(f"{ref}: no vendor document number (the ERP's idempotency key)")
    if posting.invoice_date is None:
        raise BusinessError(f"{ref}: no {label} date (its year is part of the ERP's idempotency key)")
    if not posting.lines:
        raise BusinessError(f"{ref}: no lines to book")
    if kind is PURCHASE_CREDIT_MEMO and posting.gross_amount < 0:
        raise BusinessError(
            f"{ref}: the credit note's total is negative ({posting.gross_amount}), so it charges "
            "rather than credits; book it by hand"
        )
    customer = customers.get(posting.customer_id or "", CustomerMapping())
    pattern = re.compile(customer.account_string_pattern) if customer.account_string_pattern else None
    header_dims: dict[Dimension, set[str]] = {d: set() for d in DIMENSIONS}
    lines: list[dict[str, Any]] = []
    for number, line in enumerate(posting.lines, 1):
        raw = line.account or posting.account_string
        groups: dict[str, str] = {}
        account = raw
        if pattern is not None and raw:
            match = pattern.fullmatch(raw)
            if match is None:
                raise BusinessError(
                    f"{ref}, line {number}: account string {raw!r} does not match customer "
                    f"{posting.customer_id}'s format {pattern.pattern!r}"
                )
            groups = {k: v for k, v in match.groupdict().items() if v}
            account = groups.get("account")
        account = account or customer.default_account or default_account
        if not account:
            raise BusinessError(
                f"{ref}, line {number}: no G/L account (no account string and no default account)"
            )
        for dim in DIMENSIONS:
            value = line.dimensions.get(dim) or groups.get(PATTERN_GROUPS[dim]) or customer.default(dim)
            if value:
                header_dims[dim].add(value)
        tax_code = tax_codes.get(rate_key(line.vat_rate))
        if tax_code is None:
            known = ", ".join(f"{k}%" for k in tax_codes) or "none"
            raise BusinessError(
                f"{ref}, line {number}: no taxCode for VAT rate {rate_key(line.vat_rate)}% ({known})"
            )
        quantity, unit_cost = line.quantity, line.unit_cost
        if _money(quantity * unit_cost) != line.net_amount:  # line allowances/charges: book the net
            quantity, unit_cost = Decimal("1"), line.net_amount
        lines.append(
            {
                "lineType": "Account",
                "lineObjectNumber": account,
                "description": line.description[:100],
                "quantity": quantity,
                "unitCost": unit_cost,
                "taxCode": tax_code,
            }
        )
    difference = posting.net_amount - sum((ln.net_amount for ln in posting.lines), Decimal("0"))
    if difference:
        codes = {ln["taxCode"] for ln in lines}
        if len(codes) != 1:
            raise BusinessError(
                f"{ref}: a document-level allowance/charge of {difference} spans several VAT rates"
            )
        lines.append(
            {**lines[0], "description": ADJUSTMENT_TEXT, "quantity": Decimal("1"), "unitCost": difference}
        )
    header: dict[str, Any] = {
        "vendorNumber": posting.vendor_number,
        kind.number_field: posting.vendor_invoice_number,
        "currencyCode": posting.currency,
    }
    header[kind.date_field] = posting.invoice_date.isoformat()
    if posting.due_date:
        header["dueDate"] = posting.due_date.isoformat()
    for dim, values in header_dims.items():
        if len(values) > 1:
            raise BusinessError(f"{ref}: lines carry different {dim} values ({', '.join(sorted(values))})")
        if values:
            header[dim] = values.pop()
    who = posting.customer_id or "(none)"
    for dim in dict.fromkeys([*mandatory_dimensions, *customer.mandatory_dimensions]):
        if not header.get(dim):
            raise BusinessError(
                f"{ref}: mandatory dimension {dim} is missing for customer {who}; "
                f"map it in the customer's settings or code it in the account string"
            )
    return Plan(kind, header, tuple(lines), posting.net_amount, posting.vat_amount)


def line_key(line: dict[str, Any]) -> tuple[str, str, Decimal, Decimal, str]:
    """What makes two lines the same, for resuming a draft (amounts compared as numbers)."""
    return (
        str(line.get("lineObjectNumber", "")),
        str(line.get("description", "")),
        Decimal(str(line.get("quantity", "0"))),
        Decimal(str(line.get("unitCost", "0"))),
        str(line.get("taxCode", "")),
    )
