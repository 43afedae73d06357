"""The Invoice Response a returned invoice is answered with (RE, or UQ where the customer wants it).

The buyer answers, unless its EAN is not a known customer's (then the service centre, the
configuration's responder, does). An invoice with no party ids to address a response to gets none;
its digest e-mail still goes, and the journey says why (``invoice-response-skipped``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from classifiers.api import Finding
from robot.model import Invoice, Party
from robot.processing.context import MasterData
from robot.processing.invoice_response import InvoiceResponseError, build_invoice_response


def response_for(
    master: MasterData,
    responder: Party | None,
    invoice_id: int,
    customer_id: str | None,
    invoice: Invoice,
    blocking: Sequence[Finding],
) -> tuple[bytes | None, str | None]:
    """The Invoice Response, or None and why it could not be made."""
    status = "UQ" if blocking and all(f.status == "UQ" for f in blocking) else "RE"
    customer = master.by_id.get(customer_id or "")
    if customer is not None and customer.criteria.return_status == "UQ":
        status = "UQ"
    endpoint = invoice.buyer.endpoint
    sender = None if endpoint is not None and endpoint.value in master.by_ean else responder
    try:
        xml = build_invoice_response(
            invoice,
            list(blocking),
            status=status,
            response_id=f"FR-{invoice_id}",
            issue_date=date.today(),
            sender=sender,
        )
    except InvoiceResponseError as exc:
        return None, exc.message
    return xml, None
