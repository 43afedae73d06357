"""The fictional vendors of the demo set: twelve Danish suppliers, their catalogues and bank details.

The vendors are data, kept in :file:`catalogue.yaml` beside this module (one entry per vendor, one
row per catalogue item).

One pays by IBAN (31), most by domestic transfer (42), some by FIK (93, cards 71 and 75), one via
NemKonto (97)::

    >>> vendor("K10001").name
    'Kontorland A/S'
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from robot.demo.samplegen.parties import Item, SampleVendor, make_cvr, make_gln


def _items(*rows: tuple[str, str, str, str] | tuple[str, str, str, str, str]) -> tuple[Item, ...]:
    out = []
    for row in rows:
        category = row[4] if len(row) == 5 else "S"
        out.append(
            Item(row[0], row[1], row[2], Decimal(row[3]), category, Decimal("25" if category == "S" else "0"))
        )
    return tuple(out)


def _vendor(row: dict[str, Any]) -> SampleVendor:
    """One vendor of :file:`catalogue.yaml`: check digits added to its CVR and GLN, items built."""
    gln = row.pop("gln", None)
    return SampleVendor(
        cvr=make_cvr(row.pop("cvr")),
        items=_items(*(tuple(item) for item in row.pop("items"))),
        gln=None if gln is None else make_gln(gln),
        **row,
    )


def _catalogue() -> tuple[SampleVendor, ...]:
    text = resources.files(__package__).joinpath("catalogue.yaml").read_text(encoding="utf-8")
    return tuple(_vendor(row) for row in yaml.safe_load(text)["vendors"])


#: The twelve vendors, in the order of :file:`catalogue.yaml`.
VENDORS: tuple[SampleVendor, ...] = _catalogue()

#: A supplier that is not in the vendor master, with a name close to K10001's.
UNKNOWN_VENDOR = SampleVendor(
    "-",
    "Kontorland ApS",
    make_cvr("9139001"),
    "Papirvej 14",
    "Glostrup",
    "2600",
    "42",
    VENDORS[0].items,
    "KLA",
    bank_reg="1551",
    bank_account="0009911223",
)


def vendor(number: str) -> SampleVendor:
    return next(v for v in VENDORS if v.number == number)
