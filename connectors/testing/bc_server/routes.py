"""The HTTP routes of one purchase document type (invoices or credit memos) on the BC test server.

For ``K`` = ``/companies({company_id})/purchaseInvoices`` (or ``purchaseCreditMemos``): ``GET|POST
K`` (201), ``GET|PATCH|DELETE K({id})`` (PATCH/DELETE need ``If-Match``: 428 without, 412 on a
stale etag), ``GET|POST K({id})/purchaseInvoiceLines`` (``purchaseCreditMemoLines``), ``GET|POST
K({id})/attachments`` + ``PATCH|GET .../attachments({aid})/attachmentContent`` (PATCH needs
``If-Match``), ``POST K({id})/Microsoft.NAV.post`` (204)::

    for kind in (INVOICE, CREDIT_MEMO):
        add_document_routes(api, state, kind, check_company)
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from connectors.testing.bc_server.kinds import Kind
from connectors.testing.bc_server.odata import Api, if_match, json_body, parse_filter
from connectors.testing.bc_server.state import BcState


def add_document_routes(api: APIRouter, state: BcState, kind: Kind, company: Callable[[str], None]) -> None:
    """Register ``kind``'s routes on ``api``; ``company`` raises 404 for an unknown company id."""
    base = "/companies({company_id})/" + kind.entity_set
    one = base + "({document_id})"

    @api.get(base, name=f"list {kind.entity_set}")
    async def list_documents(request: Request, company_id: str) -> JSONResponse:
        company(company_id)
        flt = parse_filter(request.query_params.get("$filter"))
        with state.lock:
            return Api(request).collection(list(state.documents[kind.entity_set].values()), flt)

    @api.post(base, name=f"create {kind.entity}")
    async def create_document(request: Request, company_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.create(kind, await json_body(request)), 201)

    @api.get(one, name=f"get {kind.entity}")
    async def get_document(request: Request, company_id: str, document_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.document(kind, document_id))

    @api.patch(one, name=f"patch {kind.entity}")
    async def patch_document(request: Request, company_id: str, document_id: str) -> JSONResponse:
        company(company_id)
        body = await json_body(request)
        with state.lock:
            if_match(request, state.document(kind, document_id))
            return Api(request).entity(state.update(kind, document_id, body))

    @api.delete(one, name=f"delete {kind.entity}")
    async def delete_document(request: Request, company_id: str, document_id: str) -> Response:
        company(company_id)
        with state.lock:
            if_match(request, state.document(kind, document_id))
            state.delete(kind, document_id)
        return Response(status_code=204)

    @api.get(f"{one}/{kind.lines_set}", name=f"list {kind.lines_set}")
    async def lines(request: Request, company_id: str, document_id: str) -> JSONResponse:
        company(company_id)
        with state.lock:
            state.document(kind, document_id)
            return Api(request).collection(list(state.lines[document_id]), {})

    @api.post(f"{one}/{kind.lines_set}", name=f"create {kind.line_entity}")
    async def add_line(request: Request, company_id: str, document_id: str) -> JSONResponse:
        company(company_id)
        return Api(request).entity(state.add_line(kind, document_id, await json_body(request)), 201)

    @api.get(one + "/attachments", name=f"list {kind.entity} attachments")
    async def attachments(request: Request, company_id: str, document_id: str) -> JSONResponse:
        company(company_id)
        with state.lock:
            state.document(kind, document_id)
            return Api(request).collection(list(state.attachments[document_id]), {})

    @api.post(one + "/attachments", name=f"create {kind.entity} attachment")
    async def add_attachment(request: Request, company_id: str, document_id: str) -> JSONResponse:
        company(company_id)
        body = await json_body(request)
        return Api(request).entity(state.add_attachment(kind, document_id, body), 201)

    content = one + "/attachments({attachment_id})/attachmentContent"

    @api.patch(content, name=f"upload {kind.entity} attachment")
    async def put_content(
        request: Request, company_id: str, document_id: str, attachment_id: str
    ) -> Response:
        company(company_id)
        data = await request.body()
        with state.lock:
            att = state.attachment(kind, document_id, attachment_id)
            if_match(request, att)
            state.set_content(att, data)
        return Response(status_code=204)

    @api.get(content, name=f"download {kind.entity} attachment")
    async def get_content(company_id: str, document_id: str, attachment_id: str) -> Response:
        company(company_id)
        att = state.attachment(kind, document_id, attachment_id)
        return Response(state.contents.get(att["id"], b""), media_type="application/octet-stream")

    @api.post(one + "/Microsoft.NAV.post", name=f"post {kind.entity}")
    async def post(company_id: str, document_id: str) -> Response:
        company(company_id)
        state.post(kind, document_id)
        return Response(status_code=204)
