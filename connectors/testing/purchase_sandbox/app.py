"""The purchase-system sandbox: a FastAPI app implementing ``connectors/openapi/purchase-system.yaml``.

    app = create_app(Path("samples/inbox"), token="sandbox-token")
    # uvicorn.run(app, host="127.0.0.1", port=8000)

Documents come from a folder (see :mod:`connectors.testing.purchase_sandbox.store`); outcomes are kept in
memory
and in ``folder/.outcomes.json``. Every ``/api/v1`` route needs ``Authorization: Bearer <token>``.
The contract itself is served at ``/openapi.yaml``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from connectors.openapi import PURCHASE_SPEC
from connectors.testing.purchase_sandbox.store import Document, InvoiceStore, OutcomeConflict

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
InvoiceId = Annotated[str, PathParam(pattern=ID_PATTERN)]


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Z]{2,3}$")
    text: str = Field(min_length=1, max_length=2000)


class TransferredOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["transferred"]
    erp_document_number: str = Field(min_length=1, max_length=100)


class ReturnedOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["returned"]
    reasons: list[Reason] = Field(min_length=1)
    invoice_response: str | None = Field(default=None, pattern=r"^[A-Za-z0-9+/=\s]*$")


Outcome = Annotated[TransferredOutcome | ReturnedOutcome, Field(discriminator="outcome")]


def _error_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_app(folder: Path, token: str) -> FastAPI:
    """The sandbox app serving the documents in ``folder`` to holders of ``token``."""
    if not token:
        raise ValueError("the sandbox needs a non-empty bearer token")
    store = InvoiceStore(folder)
    app = FastAPI(title="purchase-system sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _error_message(exc)}, status_code=422)

    def authorize(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
            challenge = {"WWW-Authenticate": "Bearer"}
            raise HTTPException(401, "missing or invalid bearer token", headers=challenge)

    def document(invoice_id: str) -> Document:
        doc = store.documents().get(invoice_id)
        if doc is None:
            raise HTTPException(404, f"no invoice with id {invoice_id!r}")
        return doc

    api = [Depends(authorize)]

    @app.get("/openapi.yaml", include_in_schema=False)
    def contract() -> Response:
        return Response(PURCHASE_SPEC.read_bytes(), media_type="application/yaml")

    @app.get("/api/v1/invoices", dependencies=api)
    def list_invoices(
        status: Literal["ready", "transferred", "returned"] = "ready",
        fetched: bool | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        docs = [
            d
            for d in store.documents().values()
            if store.status(d.id) == status and (fetched is None or store.is_fetched(d.id) == fetched)
        ]
        start = (page - 1) * page_size
        items = [store.invoice(d) for d in docs[start : start + page_size]]
        more = start + page_size < len(docs)
        return {
            "items": items,
            "page": page,
            "page_size": page_size,
            "total": len(docs),
            "next_page": page + 1 if more else None,
        }

    @app.get("/api/v1/invoices/{invoice_id}", dependencies=api)
    def get_invoice(invoice_id: InvoiceId) -> dict[str, Any]:
        return store.invoice(document(invoice_id))

    @app.get("/api/v1/invoices/{invoice_id}/document", dependencies=api)
    def get_document(invoice_id: InvoiceId) -> Response:
        doc = document(invoice_id)
        info = store.invoice(doc)
        return Response(
            doc.path.read_bytes(), media_type=doc.content_type, headers={"X-Content-SHA256": info["sha256"]}
        )

    @app.post("/api/v1/invoices/{invoice_id}/fetched", dependencies=api)
    def mark_fetched(invoice_id: InvoiceId) -> dict[str, Any]:
        doc = document(invoice_id)
        store.mark_fetched(doc.id)
        return store.invoice(doc)

    @app.get("/api/v1/invoices/{invoice_id}/outcome", dependencies=api)
    def get_outcome(invoice_id: InvoiceId) -> dict[str, Any]:
        doc = document(invoice_id)
        stored = store.outcome(doc.id)
        if stored is None:
            raise HTTPException(404, f"invoice {invoice_id!r} has no outcome yet")
        return stored

    @app.post("/api/v1/invoices/{invoice_id}/outcome", dependencies=api)
    def write_outcome(invoice_id: InvoiceId, body: Outcome) -> dict[str, Any]:
        doc = document(invoice_id)
        try:
            return store.record_outcome(doc.id, body.model_dump())
        except OutcomeConflict as exc:
            raise HTTPException(409, str(exc)) from None

    return app
