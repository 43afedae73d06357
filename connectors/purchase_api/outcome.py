"""Writing an invoice's outcome back: ``transferred`` with the ERP's number, or ``returned`` with reasons.

The invoice stays ``ready`` in the purchase system until its outcome is written, so a crash loses
nothing. A refusal of the outcome itself (404, 409, 422) is a :class:`~robot.errors.BusinessError`:
retrying would not change it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from connectors.base import shown
from connectors.purchase_api.client import Api, error_detail, id_problem, segment
from robot.errors import BusinessError, ConnectorError


def write_outcome(api: Api, source_ref: str, outcome: str, details: Mapping[str, str]) -> None:
    """POST the ``Outcome`` of invoice ``source_ref`` (see :func:`outcome_body`)."""
    body = outcome_body(outcome, details)
    ref = shown(source_ref)
    if id_problem(source_ref):
        raise BusinessError(f"purchase-api: {ref} is not a plain invoice id; no outcome written")
    response = api.request(
        "POST", f"/invoices/{segment(source_ref)}/outcome", json=body, what=f"write outcome of {ref}"
    )
    if response.status_code == 200:
        return
    message = shown(error_detail(response), 500)
    if response.status_code in (404, 409, 422):
        raise BusinessError(f"purchase system refused outcome '{outcome}' for {ref}: {message}")
    status = response.status_code
    raise ConnectorError(f"purchase-api: write outcome of {ref}: HTTP {status} {message}")


def outcome_body(outcome: str, detail: Mapping[str, str]) -> dict[str, Any]:
    """The ``Outcome`` JSON body for ``outcome`` and the robot's ``detail`` mapping."""
    if outcome == "transferred":
        number = detail.get("erp_document_number")
        if not number:
            raise ValueError("outcome 'transferred' needs detail['erp_document_number']")
        return {"outcome": "transferred", "erp_document_number": number}
    if outcome == "returned":
        if "reasons" in detail:
            given = json.loads(detail["reasons"])
            reasons = [{"code": str(r["code"]), "text": str(r["text"])} for r in given]
        else:
            text = detail.get("reason") or detail.get("reason_text")
            if not text:
                raise ValueError("outcome 'returned' needs detail['reasons'] (JSON) or detail['reason']")
            reasons = [{"code": detail.get("reason_code", "OTH"), "text": text}]
        body: dict[str, Any] = {"outcome": "returned", "reasons": reasons}
        if detail.get("invoice_response"):
            body["invoice_response"] = base64.b64encode(detail["invoice_response"].encode()).decode("ascii")
        return body
    raise ValueError(f"unknown outcome {outcome!r}; the purchase system knows 'transferred' and 'returned'")
