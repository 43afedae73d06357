"""The status API (issue 13): ``GET /api/v1/invoices`` and ``GET /api/v1/invoices/{id}``, JSON for
the purchase system and the customers' own systems; the contract is docs/status-api.openapi.yaml.

Not a session route: every request carries ``Authorization: Bearer <token>``, a token of
:class:`robot.store.api_tokens.ApiTokens` bound to one customer. No token, a wrong or a revoked
one: 401 with ``WWW-Authenticate: Bearer``. A token sees only its customer's invoices; another
customer's invoice, an id that does not exist and an id that is no number all answer the one
:data:`NOT_FOUND` 404. Answers are always JSON (never the console's HTML error page); money is a
decimal string, times ISO 8601 with their zone (Europe/Copenhagen), ``<``, ``>`` and ``&`` in
supplier text are sent as ``\\u003c``... so no value can be read as markup.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from robot.codes import Action, Reason, UnknownCodeError
from robot.processing.customer_state import CustomerState
from robot.store.api_tokens import ApiTokens
from robot.web.deps import store_of
from robot.web.reads.api import MAX_LIMIT, ApiQuery, Detail, Summary, invoice, invoices

router = APIRouter()

PREFIX = "/api/v1/invoices"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
NOT_FOUND = {"error": "not-found", "message": "No such invoice."}
FILTERS = ("number", "supplier", "since")
BIGINT = 2**63 - 1  # the largest id a store has


class Refusal(ValueError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(text, status_code=status, media_type="application/json", headers=headers)


def _customer(request: Request) -> str | Response:
    """The customer of the request's bearer token, or the 401 to answer."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _json(
            {"error": "unauthorised", "message": "Send Authorization: Bearer <token>."},
            401,
            {"WWW-Authenticate": 'Bearer realm="fakturarobot"'},
        )
    customer = ApiTokens(store_of(request).sessions).customer_of(token.strip())
    if customer is None:
        return _json(
            {"error": "unauthorised", "message": "The token is not valid."},
            401,
            {"WWW-Authenticate": 'Bearer realm="fakturarobot", error="invalid_token"'},
        )
    return customer


def _since(text: str) -> datetime | None:
    """An ISO 8601 date (midnight in Copenhagen) or RFC 3339 date and time with its zone, in UTC."""
    text = text.strip().upper()
    if not text:
        return None
    wrong = "since: an ISO 8601 date (YYYY-MM-DD) or date and time with its zone"
    if "T" in text:
        text = text.replace(" ", "+")  # an unencoded + in a query string arrives as a space
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Refusal("since", wrong) from None
        if moment.tzinfo is None:
            raise Refusal("since", "since: a date and time needs its zone (Z or +01:00)")
    else:
        try:
            moment = datetime.combine(date.fromisoformat(text), time(0), COPENHAGEN)
        except ValueError:
            raise Refusal("since", wrong) from None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # within hours of year 1 or 9999: the edge of time
        return datetime.min.replace(tzinfo=UTC) if moment.year < 5000 else datetime.max.replace(tzinfo=UTC)


def _number(params: Any, name: str, default: int | None, low: int, high: int) -> int | None:
    text = str(params.get(name, "")).strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not low <= int(text) <= high:
        raise Refusal(name, f"{name}: a whole number from {low} to {high}")
    return int(text)


def _money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    cents = value.quantize(Decimal("0.01"))
    return format(cents if cents == value else value.normalize(), "f")


def _when(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).isoformat()


def _day(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _text(da: str, en: str) -> dict[str, str]:
    return {"da": da, "en": en}


def _state(state: CustomerState) -> dict[str, Any]:
    return {"key": state.key, "text": _text(state.da, state.en)}


def _summary(s: Summary) -> dict[str, Any]:
    return {
        "id": s.invoice_id,
        "url": f"{PREFIX}/{s.invoice_id}",
        "number": s.number,
        "supplier": {"name": s.supplier_name, "cvr": s.supplier_cvr},
        "issue_date": _day(s.issue_date),
        "due_date": _day(s.due_date),
        "amount": _money(s.amount),
        "currency": s.currency,
        "received_at": _when(s.received_at),
        "state": _state(s.state),
    }


def _label(codes: type[Reason] | type[Action], code: str) -> dict[str, str] | None:
    try:
        member = codes.of(code)
    except UnknownCodeError:
        return None
    return _text(member.da, member.en)


def _detail(d: Detail) -> dict[str, Any]:
    body = _summary(d.summary)
    state = d.summary.state
    paid = None
    if state.paid_on is not None:
        paid = {
            "on": state.paid_on.isoformat(),
            "amount": _money(state.paid_amount),
            "currency": state.currency,
            "on_time": state.on_time,
        }
    body["state"] |= {
        "details": [_text(line.da, line.en) for line in state.details],
        "erp_document_no": state.erp_document_no,
        "paid": paid,
    }
    body["journey"] = [
        {"kind": j.kind, "at": _when(j.step.at), "text": _text(j.step.da, j.step.en)} for j in d.journey
    ]
    body["reason_codes"] = {
        "error_types": list(d.error_types),
        "findings": [
            {
                "status": c.status,
                "reason": c.reason,
                "action": c.action,
                "reason_text": _label(Reason, c.reason),
                "action_text": _label(Action, c.action),
            }
            for c in d.codes
        ],
    }
    return body


@router.get(PREFIX)
def list_invoices(request: Request) -> Response:
    customer = _customer(request)
    if isinstance(customer, Response):
        return customer
    params = request.query_params
    # NUL is no character of any invoice (and PostgreSQL refuses it in text)
    values = {name: params.get(name, "")[:256].replace("\x00", "") for name in FILTERS}
    try:
        query = ApiQuery(
            number=values["number"].strip() or None,
            supplier=values["supplier"].strip() or None,
            since=_since(values["since"]),
            after=_number(params, "after", None, 1, BIGINT),
            limit=_number(params, "limit", 50, 1, MAX_LIMIT) or 50,
        )
    except Refusal as exc:
        return _json({"error": "bad-parameter", "parameter": exc.parameter, "message": str(exc)}, 400)
    page = invoices(store_of(request), customer, query)
    next_url = None
    if page.next_after is not None:
        kept = [(k, v) for k, v in values.items() if v.strip()]
        if "limit" in params:
            kept.append(("limit", str(query.limit)))
        next_url = f"{PREFIX}?" + urlencode([*kept, ("after", str(page.next_after))])
    return _json({"invoices": [_summary(s) for s in page.rows], "next": next_url})


@router.get(PREFIX + "/{invoice_id}")
def get_invoice(request: Request, invoice_id: str) -> Response:
    customer = _customer(request)
    if isinstance(customer, Response):
        return customer
    if not invoice_id.isascii() or not invoice_id.isdigit() or len(invoice_id) > 18:
        return _json(NOT_FOUND, 404)
    found = invoice(store_of(request), customer, int(invoice_id))
    if found is None:
        return _json(NOT_FOUND, 404)
    return _json(_detail(found))
