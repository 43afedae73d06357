"""*Unmatched payments*: ``/payments``, payments from the bank the robot matched to no invoice or
to several equally well (robot.web.reads.payments), each with the invoices it could be.

The robot never guesses a payment's invoice; the creditor team looks here. Everything the bank
file says (names, remittance text, references) is supplier or bank input and is autoescaped.
The creditor team (viewer, creditor, admin) may look; a customer's user may not (403).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from robot.store.repo import Store
from robot.web.deps import User, store_of, viewer
from robot.web.reads.payments import unmatched
from robot.web.render import render

router = APIRouter()

#: why a candidate is shown, per matching evidence: (Danish, English)
WHY = {
    "end-to-end-id": ("samme end-to-end-id", "same end-to-end id"),
    "creditor-reference": ("samme betalings-id og konto", "same payment id and account"),
    "referred-document": ("samme fakturanummer", "same invoice number"),
    "remittance-text": ("nummer, beløb og konto i teksten", "number, amount and account in the text"),
    "invoice number in the text": ("fakturanummeret står i teksten", "the invoice number is in the text"),
    "amount and account": ("samme beløb og konto", "same amount and account"),
}
STATUS = {
    "unmatched": ("Ingen faktura", "No invoice"),
    "ambiguous": ("Flere mulige fakturaer", "Several possible invoices"),
}


@router.get("/payments")
def page(
    request: Request,
    before: int | None = Query(None, ge=1),
    user: User = Depends(viewer),
    store: Store = Depends(store_of),
) -> Response:
    found = unmatched(store, before=before, only_customer=user.customer_id)
    older_url = None if found.older is None else f"/payments?before={found.older}"
    context = {
        "found": found,
        "why": WHY,
        "statuses": STATUS,
        "older_url": older_url,
        "paged": before is not None,
    }
    return render(request, "payments.html", context)
