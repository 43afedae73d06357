"""Limits shared by the clean and the error scenarios.

Clean documents stay well below each customer's auto-post limit (net, DKK)::

    >>> LIMIT_NET["EKU"]
    Decimal('20000')
"""

from __future__ import annotations

from decimal import Decimal

LIMIT_NET = {
    "SFE": Decimal("40000"),
    "ITD": Decimal("90000"),
    "MFP": Decimal("150000"),
    "EKU": Decimal("20000"),
}
