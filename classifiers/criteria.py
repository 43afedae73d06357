"""Customer criteria: how each customer (state institution) wants its invoices sorted.

Loaded from YAML (see ``samples/customers.yaml``) and validated with pydantic; unknown keys are
errors. Every field has a sensible default, so a customer that sets nothing gets the standard
Danish public-sector checks::

    customers:
      - id: SAM
        name: Statens Administration
        eans: ["5798000416604"]
        notify: ["kreditor@sam.example"]
        criteria:
          reference: either          # person | order | either | both
          auto_post_limit: "250000"  # DKK, above → hold
          require_account_string: false
          currencies: [DKK, EUR]
          hold_remark_prefixes: ["TIL SAM"]
          supplier_allow_list: []    # CVRs; empty = every supplier may be auto-posted
          order_tolerance: {percent: "2", absolute: "100"}
          return_status: RE          # RE (rejected) or UQ (under query) for returns
          four_eyes: [bank-details]  # holds a second, different person must approve to release
          rules:
            DK-PAYTERMS-30: {enabled: false}
            PO-PRICE: {params: {percent: "5"}}
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """Allowed deviation from the purchase order: within percent OR within absolute amount."""

    percent: Decimal = Decimal("0")
    absolute: Decimal = Decimal("0")

    @field_validator("percent", "absolute")
    @classmethod
    def _not_negative(cls, v: Decimal) -> Decimal:
        if v < 0:
            raise ValueError("a tolerance cannot be negative (0 = the order's amount exactly)")
        return v

    def allows(self, expected: Decimal, actual: Decimal) -> bool:
        diff = abs(actual - expected)
        if diff <= self.absolute:
            return True
        return expected != 0 and diff * 100 / abs(expected) <= self.percent


class RuleSetting(_Strict):
    """A customer's setting for one rule: switch it off, change its disposition or parameters."""

    enabled: bool = True
    disposition: Literal["return", "hold"] | None = None
    severity: Literal["error", "warning"] | None = None
    params: dict[str, Any] = Field(default_factory=dict)


DEFAULT_SETTING = RuleSetting()

#: The holds a customer's ``four_eyes`` can name, and the rule codes that hold an invoice for them.
#: ``bank-details``: the payment details differ from the vendor master (changed bank details, the
#: fraud vector); ``all-holds``: every hold.
FOUR_EYES_HOLDS: dict[str, frozenset[str] | None] = {
    "bank-details": frozenset({"VENDOR-BANK"}),
    "all-holds": None,
}
#: Holds for changed bank details: releasing one always needs a note (how they were confirmed).
BANK_DETAIL_CODES: frozenset[str] = FOUR_EYES_HOLDS["bank-details"] or frozenset()
FourEyesHold = Literal["bank-details", "all-holds"]


class CustomerCriteria(_Strict):
    reference: Literal["person", "order", "either", "both"] = "either"
    auto_post_limit: Decimal | None = None
    require_account_string: bool = False
    account_string_pattern: str | None = None
    currencies: tuple[str, ...] = ("DKK",)
    hold_remark_prefixes: tuple[str, ...] = ("TIL SAM",)
    supplier_allow_list: tuple[str, ...] = ()
    order_tolerance: Tolerance = Tolerance(percent=Decimal("0"), absolute=Decimal("1.00"))
    return_status: Literal["RE", "UQ"] = "RE"
    max_payment_days: int = 30
    four_eyes: tuple[FourEyesHold, ...] = ()
    rules: dict[str, RuleSetting] = Field(default_factory=dict)

    @field_validator("auto_post_limit")
    @classmethod
    def _positive_limit(cls, v: Decimal | None) -> Decimal | None:
        if v is not None and v <= 0:
            raise ValueError(
                "auto_post_limit must be greater than 0 (the amount due above which an invoice is held); "
                "leave the key out for no limit"
            )
        return v

    @field_validator("max_payment_days")
    @classmethod
    def _positive_days(cls, v: int) -> int:
        if v < 1:
            raise ValueError("max_payment_days must be at least 1 (days from invoice date to due date)")
        return v

    @field_validator("currencies")
    @classmethod
    def _upper(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.upper() for c in v)

    def setting(self, code: str) -> RuleSetting:
        return self.rules.get(code, DEFAULT_SETTING)

    def needs_four_eyes(self, hold_codes: Iterable[str]) -> bool:
        """Whether releasing a hold with these rule codes needs a second, different person.

        >>> CustomerCriteria(four_eyes=("bank-details",)).needs_four_eyes(["VENDOR-BANK"])
        True
        >>> CustomerCriteria(four_eyes=("bank-details",)).needs_four_eyes(["PDF-TEXT"])
        False
        """
        codes = set(hold_codes)
        for hold in self.four_eyes:
            wanted = FOUR_EYES_HOLDS[hold]
            if wanted is None or wanted & codes:
                return True
        return False


class Customer(_Strict):
    id: str
    name: str
    eans: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    language: Literal["da", "en"] = "da"
    criteria: CustomerCriteria = CustomerCriteria()


class CustomersFile(_Strict):
    customers: tuple[Customer, ...]


DEFAULT_CRITERIA = CustomerCriteria()
