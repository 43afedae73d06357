"""Which invoices a person bound to one customer may see: the condition the reads share.

A user's ``customer_id`` is matched against ``invoices.customer_id`` without regard to case (the
ids are configured in capitals, a user may be written ``sfe``), as ``fakturarobot held --customer``
takes it.

    query.where(of_customer(user.customer_id))
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from robot.store.schema import InvoiceRow


def of_customer(customer: str) -> ColumnElement[bool]:
    """The invoices of ``customer``, its id given in any case."""
    return func.upper(InvoiceRow.customer_id) == customer.strip().upper()
