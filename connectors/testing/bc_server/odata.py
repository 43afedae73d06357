"""OData and error plumbing of the Business Central test server: etags, ``$filter``, JSON rendering.

    >>> parse_filter("vendorNumber eq 'K1' and vendorInvoiceNumber eq 'it''s'")
    {'vendorNumber': 'K1', 'vendorInvoiceNumber': "it's"}

Decimals are rendered as strings when the client asks for ``IEEE754Compatible=true`` (as OData
specifies), else as JSON numbers. Errors are BC's ``{"error": {"code", "message"}}`` body.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

_CLAUSE = re.compile(r"\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*(?:and\b|$)", re.IGNORECASE)


class BcError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def etag(entity: Mapping[str, Any]) -> str:
    token = base64.b64encode(f"{entity['_version']};{entity['id']}".encode()).decode()
    return f'W/"{token}"'


def decimal_field(body: Mapping[str, Any], name: str, default: str) -> Decimal:
    value = body.get(name, default)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise BcError(
            400, "BadRequest", f"Cannot convert the literal '{value}' to Edm.Decimal ({name})."
        ) from None


def check_fields(body: Mapping[str, Any], allowed: set[str], entity: str) -> None:
    for key in body:
        if key not in allowed and not key.startswith("@odata"):
            raise BcError(
                400, "BadRequest", f"The property '{key}' does not exist on type 'Microsoft.NAV.{entity}'."
            )
    for key in ("invoiceDate", "creditMemoDate", "postingDate", "dueDate"):
        if body.get(key):
            try:
                date.fromisoformat(str(body[key]))
            except ValueError:
                raise BcError(
                    400, "BadRequest", f"Cannot convert the literal '{body[key]}' to Edm.Date."
                ) from None


def parse_filter(expression: str | None) -> dict[str, str]:
    """``number eq 'K1' and x eq 'it''s'`` → ``{"number": "K1", "x": "it's"}``; else 400."""
    if not expression:
        return {}
    found, pos = {}, 0
    while pos < len(expression):
        match = _CLAUSE.match(expression, pos)
        if match is None:
            raise BcError(400, "BadRequest_InvalidFilter", f"Invalid filter expression: {expression}")
        found[match.group(1)] = match.group(2).replace("''", "'")
        pos = match.end()
    return found


def render(value: Any, strings: bool) -> Any:
    if isinstance(value, Decimal):
        return str(value) if strings else float(value)
    if isinstance(value, dict):
        return {k: render(v, strings) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [render(v, strings) for v in value]
    return value


class Api:
    """Response helpers bound to one request's OData format (``IEEE754Compatible=true``)."""

    def __init__(self, request: Request) -> None:
        accept = request.headers.get("accept", "") + request.headers.get("content-type", "")
        self.strings = "ieee754compatible=true" in accept.lower()

    def entity(self, entity: dict[str, Any], status: int = 200) -> JSONResponse:
        body = {"@odata.etag": etag(entity), **render(entity, self.strings)}
        return JSONResponse(body, status_code=status, headers={"ETag": etag(entity)})

    def collection(self, items: Iterable[dict[str, Any]], filters: Mapping[str, str]) -> JSONResponse:
        rows = [i for i in items if all(str(i.get(k)) == v for k, v in filters.items())]
        return JSONResponse({"value": [{"@odata.etag": etag(i), **render(i, self.strings)} for i in rows]})


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}", parse_float=Decimal)
    except ValueError:
        raise BcError(400, "BadRequest", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BcError(400, "BadRequest", "The request body must be a JSON object.")
    return body


def if_match(request: Request, entity: Mapping[str, Any]) -> None:
    given = request.headers.get("if-match")
    if not given:
        raise BcError(
            428, "Request_PreconditionRequired", "The If-Match header is required for this request."
        )
    if given != "*" and given != etag(entity):
        raise BcError(412, "Request_EntityChanged", "Another user has already changed the record.")


def error_response(exc: BcError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)
