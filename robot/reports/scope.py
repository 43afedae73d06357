"""What a report covers: the invoices *received* in a period of whole Copenhagen days, optionally of
one customer and one supplier (its CVR number, the store's ``supplier_key``).

    >>> s = Scope(since=date(2026, 3, 29), until=date(2026, 3, 29))  # summer time begins that day
    >>> [t.isoformat() for t in s.bounds()]
    ['2026-03-28T23:00:00+00:00', '2026-03-29T22:00:00+00:00']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func

from robot.store.schema import InvoiceRow

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Copenhagen, in UTC."""
    return datetime.combine(day, time(), COPENHAGEN).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Scope:
    since: date | None = None  # first day (inclusive)
    until: date | None = None  # last day (inclusive)
    customer: str | None = None
    supplier: str | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """``received_at`` from (inclusive) and to (exclusive), aware in UTC; None: open."""
        start = None if self.since is None else day_start(self.since)
        end = None if self.until is None else day_start(self.until + timedelta(days=1))
        return start, end

    def where(self) -> list[ColumnElement[bool]]:
        """The conditions on :class:`InvoiceRow` (``ix_invoices_received_at``, ``ix_invoices_customer``)."""
        start, end = self.bounds()
        conditions: list[ColumnElement[bool]] = []
        if start is not None:
            conditions.append(InvoiceRow.received_at >= start)
        if end is not None:
            conditions.append(InvoiceRow.received_at < end)
        if self.customer is not None:
            conditions.append(func.upper(InvoiceRow.customer_id) == self.customer.strip().upper())
        if self.supplier is not None:
            conditions.append(InvoiceRow.supplier_key == self.supplier)
        return conditions

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "customer": self.customer,
            "supplier": self.supplier,
        }
