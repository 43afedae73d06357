"""The fictional customers (state institutions) and vendors of the demo set, and their YAML files.

Identifiers are made, not invented by hand, so they always pass the check digits::

    >>> make_cvr("9120001")           # 7 digits + modulus-11 check digit
    '91200015'
    >>> make_gln("579800099901")      # 12 digits + GS1 check digit
    '5798000999015'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stdnum import ean, iban, luhn

WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def make_cvr(seven: str) -> str:
    """The CVR number for ``seven`` digits with a modulus-11 check digit (next base if impossible)."""
    base = int(seven)
    while True:
        digits = f"{base:07d}"
        check = -sum(w * int(d) for w, d in zip(WEIGHTS, digits, strict=True)) % 11
        if check < 10:
            return f"{digits}{check}"
        base += 1


def make_gln(twelve: str) -> str:
    return twelve + ean.calc_check_digit(twelve)


def make_iban(reg: str, account: str) -> str:
    bban = f"{reg}{account:0>10}"
    return f"DK{iban.calc_check_digits('DKXX' + bban)}{bban}"


def fik_payment_id(seed: str, length: int) -> str:
    """A FIK payment id of ``length`` digits: the digits of ``seed``, zero-padded, Luhn check digit."""
    digits = "".join(c for c in seed if c.isdigit())[-(length - 1) :].rjust(length - 1, "0")
    return digits + luhn.calc_check_digit(digits)


@dataclass(frozen=True)
class Item:
    """A catalogue item: seller's id, Danish name, unit (UN/ECE rec 20), price and VAT."""

    id: str
    name: str
    unit: str
    price: Decimal
    category: str = "S"  # S standard 25 %, Z zero-rated, E exempt
    rate: Decimal = Decimal("25")


@dataclass(frozen=True)
class SampleVendor:
    number: str
    name: str
    cvr: str
    street: str
    city: str
    zip: str
    payment: str  # "42", "31", "93-71", "93-75", "97"
    items: tuple[Item, ...]
    prefix: str  # invoice number style
    gln: str | None = None
    bank_reg: str | None = None
    bank_account: str | None = None
    bic: str | None = None
    fik_creditor: str | None = None

    @property
    def iban(self) -> str | None:
        if self.payment == "31" and self.bank_reg and self.bank_account:
            return make_iban(self.bank_reg, self.bank_account)
        return None

    def to_yaml(self) -> dict[str, Any]:
        domestic = self.payment == "42"
        return {
            "number": self.number,
            "name": self.name,
            "cvr": self.cvr,
            "endpoint_id": self.gln,
            "bank_reg": self.bank_reg if domestic else None,
            "bank_account": self.bank_account if domestic else None,
            "iban": self.iban,
            "fik_creditor": self.fik_creditor,
            "giro_account": None,
            "nemkonto": self.payment == "97",
            "blocked": False,
        }


@dataclass(frozen=True)
class SampleCustomer:
    id: str
    name: str
    ean: str
    cvr: str
    street: str
    city: str
    zip: str
    approvers: tuple[str, ...]
    account_prefix: str
    criteria: dict[str, Any] = field(default_factory=dict)

    def to_yaml(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "eans": [self.ean],
            "notify": [f"kreditor@{self.id.lower()}.example.dk"],
            "language": "da",
            "criteria": self.criteria,
        }
