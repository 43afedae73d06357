"""The fictional customers of the demo set: four state institutions with different criteria.

>>> customer("ITD").criteria["reference"]
'order'
"""

from __future__ import annotations

from robot.demo.samplegen.parties import SampleCustomer, make_cvr, make_gln
from robot.demo.samplegen.vendors import VENDORS

CUSTOMERS: tuple[SampleCustomer, ...] = (
    SampleCustomer(
        "SFE",
        "Styrelsen for Eksempler",
        make_gln("579800099901"),
        make_cvr("9150001"),
        "Eksempelvej 1",
        "København Ø",
        "2100",
        ("ANJE", "MOLA"),
        "SFE-4010",
        {
            "reference": "person",
            "auto_post_limit": "100000",
            "currencies": ["DKK", "EUR"],
            "hold_remark_prefixes": ["TIL SAM"],
            "return_status": "RE",
        },
    ),
    SampleCustomer(
        "ITD",
        "Institut for Testdata",
        make_gln("579800099902"),
        make_cvr("9150112"),
        "Datavej 40",
        "Aarhus C",
        "8000",
        ("PEHA", "SIRA"),
        "ITD-2250",
        {
            "reference": "order",
            "auto_post_limit": "250000",
            "require_account_string": True,
            "account_string_pattern": "^ITD-[0-9]{4}-[0-9]{3}$",
            "currencies": ["DKK"],
            "hold_remark_prefixes": ["TIL SAM"],
            "order_tolerance": {"percent": "2", "absolute": "100"},
            "return_status": "UQ",
            "rules": {"PDF-TEXT": {"enabled": False}},
        },
    ),
    SampleCustomer(
        "MFP",
        "Ministeriet for Prøvesager",
        make_gln("579800099903"),
        make_cvr("9150223"),
        "Slotsholmen 99",
        "København K",
        "1216",
        ("KAJE", "LONI"),
        "MFP-1100",
        {
            "reference": "either",
            "auto_post_limit": "500000",
            "currencies": ["DKK"],
            "hold_remark_prefixes": ["TIL SAM"],
            "supplier_allow_list": [
                v.cvr for v in VENDORS if v.number in ("K10001", "K10003", "K10005", "K10010")
            ],
            "return_status": "RE",
        },
    ),
    SampleCustomer(
        "EKU",
        "Eksempeluniversitetet",
        make_gln("579800099904"),
        make_cvr("9150334"),
        "Campusvej 55",
        "Odense M",
        "5230",
        ("BEHO", "JOTH"),
        "EKU-7300",
        {
            "reference": "both",
            "auto_post_limit": "50000",
            "currencies": ["DKK", "EUR"],
            "hold_remark_prefixes": ["TIL SAM", "MANUEL"],
            "order_tolerance": {"percent": "5", "absolute": "50"},
            "return_status": "RE",
            "max_payment_days": 30,
        },
    ),
)

#: A valid GLN that belongs to no customer, and the same GLN with its check digit broken.
UNKNOWN_EAN = make_gln("579800099988")
BAD_CHECK_EAN = UNKNOWN_EAN[:-1] + str((int(UNKNOWN_EAN[-1]) + 3) % 10)


def customer(cid: str) -> SampleCustomer:
    return next(c for c in CUSTOMERS if c.id == cid)
