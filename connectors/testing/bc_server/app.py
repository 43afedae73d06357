"""A Business Central API v2.0-shaped server for tests and the demo (127.0.0.1 only).

    app = create_app(vendors={"K10001": "Kontorland A/S"}, fail_rate=0.3, seed=7)
    state = get_state(app)            # created and posted documents, for assertions
    # uvicorn.run(app, host="127.0.0.1", port=8001); base URL http://127.0.0.1:8001/api/v2.0

Routes (``C`` = ``/api/v2.0/companies({company_id})``): ``GET C/vendors``, and for both
``C/purchaseInvoices`` and ``C/purchaseCreditMemos`` the document routes of
:mod:`connectors.testing.bc_server.routes` (create 201, If-Match on PATCH/DELETE, lines, attachments,
``Microsoft.NAV.post`` 204). ``$filter`` supports ``field eq 'value'`` joined with ``and``. OAuth2
client credentials at ``POST /{tenant}/oauth2/v2.0/token``. ``GET /_test/invoices`` lists every
document, invoices and credit memos, with ``documentType`` (no auth).

Faults: before each API call, with probability ``fail_rate`` the server answers 500, or 429 with
``Retry-After``, or does the work and answers only after ``slow_seconds`` (a client timeout whose
effect happened). ``max_requests_per_second`` throttles with 429 like BC's rate limits.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from connectors.testing.bc_server.faults import Faults
from connectors.testing.bc_server.kinds import KINDS
from connectors.testing.bc_server.odata import Api, BcError, error_response, parse_filter, render
from connectors.testing.bc_server.routes import add_document_routes
from connectors.testing.bc_server.state import BcState

DEFAULT_COMPANY_ID = "7f9e7a2c-2f1e-4b8a-9d3c-5a6b7c8d9e01"


def get_state(app: FastAPI) -> BcState:
    """The server's data, for assertions in tests."""
    state: BcState = app.state.bc
    return state


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
    same_number_in_another_year: bool = True,
) -> FastAPI:
    """A fresh server. ``vendors`` maps vendor number → name; ``accounts`` None accepts any.

    ``same_number_in_another_year``: a vendor may reuse its document number in another year of the
    document date (off: refused with 409 whatever the year)."""
    state = BcState(
        vendors=vendors,
        blocked_vendors=blocked_vendors,
        accounts=accounts,
        tax_rates=tax_rates,
        mandatory_dimensions=mandatory_dimensions,
        same_number_in_another_year=same_number_in_another_year,
    )
    faults = Faults(fail_rate, seed, max_requests_per_second)
    tokens: dict[str, float] = dict.fromkeys(bearer_tokens, float("inf"))
    app = FastAPI(title="Business Central test server", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.bc, app.state.faults, app.state.tokens = state, faults, tokens

    @app.exception_handler(BcError)
    async def _bcerror_response(_: Request, exc: BcError) -> JSONResponse:
        return error_response(exc)

    @app.middleware("http")
    async def _faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        kind = faults.draw()
        if kind == "500":
            return error_response(
                BcError(500, "InternalServerError", "Something went wrong (injected fault).")
            )
        if kind in ("429", "throttled"):
            throttled = error_response(BcError(429, "TooManyRequests", "Too many requests; retry later."))
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
        return JSONResponse(render(state.snapshot(), True))

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

    @api.get("/companies")
    async def companies(request: Request) -> JSONResponse:
        return JSONResponse({"value": [{"id": company_id, "name": "Statens Administration (test)"}]})

    @api.get(c + "/vendors")
    async def vendors_(request: Request, company_id: str) -> JSONResponse:
        company(company_id)
        flt = parse_filter(request.query_params.get("$filter"))
        return Api(request).collection(({**v, "_version": 1} for v in state.vendors.values()), flt)

    for kind in KINDS.values():
        add_document_routes(api, state, kind, company)

    app.include_router(api)
    return app
