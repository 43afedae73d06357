"""Values read back from an event's JSON detail, as the store records them: days ISO
(``date.isoformat()``), amounts decimal strings. A missing or malformed value reads as None; a
reader of the journey never fails on one event's detail.

The ``paid`` event's detail (``robot.store.payments``) is read this way by the customer's state,
the customer's journey and the payment response::

    >>> detail = {"booking_date": "2026-12-01", "amount": "1250.50", "remaining": None}
    >>> day(detail["booking_date"]), amount(detail["amount"]), amount(detail["remaining"])
    (datetime.date(2026, 12, 1), Decimal('1250.50'), None)
    >>> day("1 December"), amount("many")
    (None, None)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation


def day(value: object) -> date | None:
    """The day an ISO date (or the date part of an ISO date and time) names; None if none does."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def amount(value: object) -> Decimal | None:
    """The Decimal a decimal string (or number) says; None for none or an empty string."""
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
