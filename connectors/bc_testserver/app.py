"""A Business Central API v2.0-shaped server for tests and the demo (127.0.0.1 only).

    >>> app = create_app(vendors={"K10001": "Kontorland A/S"}, fail_rate=0.3, seed=7)
    >>> state = get_state(app)            # created and posted invoices, for assertions
    >>> # uvicorn.run(app, host="127.0.0.1", port=8001); base URL http://127.0.0.1:8001/api/v2.0

Routes (``C`` = ``/api/v2.0/companies({company_id})``): ``GET C/vendors``, ``GET|POST
C/purchaseInvoices``, ``GET|PATCH|DELETE C/purchaseInvoices({id})`` (PATCH/DELETE need
``If-Match``: 428 without, 412 on a stale etag), ``GET|POST C/purchaseInvoices({id})/purchaseInvoiceLines``,
``GET|POST C/purchaseInvoices({id})/attachments`` + ``PATCH|GET
.../attachments({aid})/attachmentContent`` (If-Match), ``POST C/purchaseInvoices({id})/Microsoft.NAV.post``
(204). ``$filter`` supports ``field eq 'value'`` joined with ``and``. OAuth2 client credentials at
``POST /{tenant}/oauth2/v2.0/token``. ``GET /_test/invoices`` lists everything (no auth).

Faults: before each API call, with probability ``fail_rate`` the server answers 500, or 429 with
``Retry-After``, or does the work and answers only after ``slow_seconds`` (a client timeout whose
effect happened). ``max_requests_per_second`` throttles with 429 like BC's rate limits.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from connectors.bc_testserver.state import BcError, BcState, etag

DEFAULT_COMPANY_ID = "7f9e7a2c-2f1e-4b8a-9d3c-5a6b7c8d9e01"
_CLAUSE = re.compile(r"\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*(?:and\b|$)", re.IGNORECASE)


def get_state(app: FastAPI) -> BcState:
    """The server's data, for assertions in tests."""
    state: BcState = app.state.bc
    return state


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


def _render(value: Any, strings: bool) -> Any:
    if isinstance(value, Decimal):
        return str(value) if strings else float(value)
    if isinstance(value, dict):
        return {k: _render(v, strings) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_render(v, strings) for v in value]
    return value


class Api:
    """Response helpers bound to one request's OData format (``IEEE754Compatible=true``)."""

    def __init__(self, request: Request) -> None:
        accept = request.headers.get("accept", "") + request.headers.get("content-type", "")
        self.strings = "ieee754compatible=true" in accept.lower()

    def entity(self, entity: dict[str, Any], status: int = 200) -> JSONResponse:
        body = {"@odata.etag": etag(entity), **_render(entity, self.strings)}
        return JSONResponse(body, status_code=status, headers={"ETag": etag(entity)})

    def collection(self, items: Iterable[dict[str, Any]], filters: Mapping[str, str]) -> JSONResponse:
        rows = [i for i in items if all(str(i.get(k)) == v for k, v in filters.items())]
        return JSONResponse({"value": [{"@odata.etag": etag(i), **_render(i, self.strings)} for i in rows]})


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}", parse_float=Decimal)
    except ValueError:
        raise BcError(400, "BadRequest", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BcError(400, "BadRequest", "The request body must be a JSON object.")
    return body


def _if_match(request: Request, entity: Mapping[str, Any]) -> None:
    given = request.headers.get("if-match")
    if not given:
        raise BcError(
            428, "Request_PreconditionRequired", "The If-Match header is required for this request."
        )
    if given != "*" and given != etag(entity):
        raise BcError(412, "Request_EntityChanged", "Another user has already changed the record.")


class Faults:
    """Random 500 / 429 / slow answers at ``fail_rate`` and an optional request-rate limit."""

    def __init__(self, fail_rate: float, seed: int, max_per_second: float | None) -> None:
        self.fail_rate, self.max_per_second = fail_rate, max_per_second
        self._rng, self._lock, self._recent = random.Random(seed), threading.Lock(), deque[float]()
        self.counts = {"500": 0, "429": 0, "slow": 0, "throttled": 0, "requests": 0}

    def draw(self) -> str | None:
        with self._lock:
            self.counts["requests"] += 1
            if self.max_per_second is not None:
                now = time.monotonic()
                while self._recent and now - self._recent[0] > 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.max_per_second:
                    self.counts["throttled"] += 1
                    return "throttled"
                self._recent.append(now)
            if self.fail_rate and self._rng.random() < self.fail_rate:
                kind = self._rng.choice(("500", "429", "slow"))
                self.counts[kind] += 1
                return kind
            return None


def _error(exc: BcError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)


def create_app(
    *,
    fail_rate: float = 0.0,
    seed: int = 0,
    company_id: str = DEFAULT_COMPANY_ID,
    vendors: Mapping[str, str] | None = None,
    blocked_vendors: Iterable[str] = (),
    accounts: Iterable[str] | None = None,
    tax_rates: Mapping[str, Decimal] | None = None,
    mandatory_dimensions: Iterable[str] = (),
    client_id: str = "fakturarobot",
    client_secret: str = "bc-test-secret",
    bearer_tokens: Iterable[str] = (),
    token_lifetime: int = 3600,
    retry_after_seconds: int = 1,
    slow_seconds: float = 1.0,
    max_requests_per_second: float | None = None,
) -> FastAPI:
    """A fresh server. ``vendors`` maps vendor number → name; ``accounts`` None accepts any."""
    state = BcState(
        vendors=vendors,
        blocked_vendors=blocked_vendors,
        accounts=accounts,
        tax_rates=tax_rates,
        mandatory_dimensions=mandatory_dimensions,
    )
    faults = Faults(fail_rate, seed, max_requests_per_second)
    tokens: dict[str, float] = dict.fromkeys(bearer_tokens, float("inf"))
    app = FastAPI(title="Business Central test server", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.bc, app.state.faults, app.state.tokens = state, faults, tokens

    @app.exception_handler(BcError)
    async def _bc_error(_: Request, exc: BcError) -> JSONResponse:
        return _error(exc)

    @app.middleware("http")
    async def _faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        kind = faults.draw()
        if kind == "500":
            return _error(BcError(500, "InternalServerError", "Something went wrong (injected fault)."))
        if kind in ("429", "throttled"):
            throttled = _error(BcError(429, "TooManyRequests", "Too many requests; retry later."))
            throttled.headers["Retry-After"] = str(retry_after_seconds)
            return throttled
        response = await call_next(request)
        if kind == "slow":
            await asyncio.sleep(slow_seconds)
        return response

    @app.post("/{tenant}/oauth2/v2.0/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        good_id = secrets.compare_digest(form.get("client_id", ""), client_id)
        if not (good_id and secrets.compare_digest(form.get("client_secret", ""), client_secret)):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "AADSTS7000215"}, status_code=401
            )
        issued = secrets.token_urlsafe(24)
        tokens[issued] = time.monotonic() + token_lifetime
        return JSONResponse({"token_type": "Bearer", "expires_in": token_lifetime, "access_token": issued})

    @app.get("/_test/invoices")
    async def inspect() -> JSONResponse:
        return JSONResponse(_render(state.snapshot(), True))

    def authorize(request: Request) -> None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expiry = tokens.get(given.strip()) if scheme.lower() == "bearer" else None
        if expiry is None or expiry < time.monotonic():
            raise BcError(
                401, "Authentication_InvalidCredentials", "The server has rejected the client credentials."
            )

    def company(company_id_: str) -> None:
        if company_id_ != company_id:
            raise BcError(404, "BadRequest_NotFound", f"The company '{company_id_}' does not exist.")

    api = APIRouter(prefix="/api/v2.0", dependencies=[Depends(authorize)])
    c = "/companies({company_id})"
    inv = c + "/purchaseInvoices({invoice_id})"

    @api.get("/companies")
    async def companies(request: Request) -> JSONResponse:
        return JSONResponse({"value": [{"id": company_id, "name": "Statens Administration (test)"}]})

    @api.get(c + "/vendors")
    async def vendors_(request: Request, company_id: str) -> JSONResponse:
        company(company_id)
        flt = parse_filter(request.query_params.get("$filter"))
        return Api(request).collection(({**v, "_version": 1} for v in state.vendors.values()), flt)

    @api.get(c + "/purchaseInvoices")
    async def list_invoices(request: Request, company_id: str) -> JSONResponse:
        company(company_id)
        flt = parse_filter(request.query_params.get("$filter"))
        with state.lock:
            return Api(request).collection(list(state.invoices.values()), flt)

    @api.post(c + "/purchaseInvoices")
    async def create_invoice(request: Request, company_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.create_invoice(await _json_body(request)), 201)

    @api.get(inv)
    async def get_invoice(request: Request, company_id: str, invoice_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.invoice(invoice_id))

    @api.patch(inv)
    async def patch_invoice(request: Request, company_id: str, invoice_id: str) -> JSONResponse:
        company(company_id)
        body = await _json_body(request)
        with state.lock:
            _if_match(request, state.invoice(invoice_id))
            return Api(request).entity(state.update_invoice(invoice_id, body))

    @api.delete(inv)
    async def delete_invoice(request: Request, company_id: str, invoice_id: str) -> Response:
        company(company_id)
        with state.lock:
            _if_match(request, state.invoice(invoice_id))
            state.delete_invoice(invoice_id)
        return Response(status_code=204)

    @api.get(inv + "/purchaseInvoiceLines")
    async def lines(request: Request, company_id: str, invoice_id: str) -> JSONResponse:
        company(company_id)
        with state.lock:
            state.invoice(invoice_id)
            return Api(request).collection(list(state.lines[invoice_id]), {})

    @api.post(inv + "/purchaseInvoiceLines")
    async def add_line(request: Request, company_id: str, invoice_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.add_line(invoice_id, await _json_body(request)), 201)

    @api.get(inv + "/attachments")
    async def attachments(request: Request, company_id: str, invoice_id: str) -> JSONResponse:
        company(company_id)
        with state.lock:
            state.invoice(invoice_id)
            return Api(request).collection(list(state.attachments[invoice_id]), {})

    @api.post(inv + "/attachments")
    async def add_attachment(request: Request, company_id: str, invoice_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.add_attachment(invoice_id, await _json_body(request)), 201)

    @api.patch(inv + "/attachments({attachment_id})/attachmentContent")
    async def put_content(request: Request, company_id: str, invoice_id: str, attachment_id: str) -> Response:
        company(company_id)
        content = await request.body()
        with state.lock:
            att = state.attachment(invoice_id, attachment_id)
            _if_match(request, att)
            state.set_content(att, content)
        return Response(status_code=204)

    @api.get(inv + "/attachments({attachment_id})/attachmentContent")
    async def get_content(company_id: str, invoice_id: str, attachment_id: str) -> Response:
        company(company_id)
        att = state.attachment(invoice_id, attachment_id)
        return Response(state.contents.get(att["id"], b""), media_type="application/octet-stream")

    @api.post(inv + "/Microsoft.NAV.post")
    async def post(company_id: str, invoice_id: str) -> Response:
        company(company_id)
        state.post_invoice(invoice_id)
        return Response(status_code=204)

    app.include_router(api)
    return app
