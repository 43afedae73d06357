"""*An invoice*: ``/invoices/{id}``, and the decisions a creditor takes on it.

The page shows the document as a person reads it, its findings beside what they disagree with,
and its journey (:mod:`robot.web.reads.invoice`). Release, return, retry and comment are POSTs
with the CSRF token, for creditors and admins only, and go through the CLI's own code
(:mod:`robot.processing.manual`): a refused decision shows the CLI's message and changes
nothing. A person limited to one customer gets 404 for any other customer's invoice, also on POST.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from robot.codes import RETURN_REASONS
from robot.errors import StoreError
from robot.processing import manual
from robot.store.repo import Store
from robot.store.schema import InvoiceRow
from robot.web.app import CSP
from robot.web.deps import User, config_of, creditor, csrf_ok, store_of, viewer
from robot.web.reads.invoice import invoice_page, visible
from robot.web.reads.invoice_fields import text_of
from robot.web.render import lang_of, render, translator

router = APIRouter()

#: the invoice page frames its own PDF (``/invoices/{id}/document``), nothing else
PAGE_CSP = CSP + "; frame-src 'self'"


def _page(request: Request, store: Store, user: User, invoice_id: int, **extra: Any) -> Response:
    page = invoice_page(store, invoice_id, config=config_of(request), customer_id=user.customer_id)
    if page is None:
        raise HTTPException(status_code=404, detail=f"no invoice {invoice_id}")
    context = {
        "page": page,
        "num": text_of,
        "reasons": [(r.value, r.da, r.en) for r in RETURN_REASONS],
        "error": None,
        "max_comment": manual.MAX_COMMENT,
        "form": {},
        **extra,
    }
    status = 409 if context["error"] else 200
    return render(
        request, "invoice.html", context, status=status, headers={"Content-Security-Policy": PAGE_CSP}
    )


@router.get("/invoices/{invoice_id}")
def show(
    request: Request, invoice_id: int, user: User = Depends(viewer), store: Store = Depends(store_of)
) -> Response:
    return _page(request, store, user, invoice_id)


def _mine(store: Store, user: User, invoice_id: int) -> None:
    """404 for an invoice that does not exist or is another customer's (before anything is decided)."""
    with store.sessions() as s:
        row = s.get(InvoiceRow, invoice_id)
    if not visible(row, user.customer_id):
        raise HTTPException(status_code=404, detail=f"no invoice {invoice_id}")


def _done(invoice_id: int) -> Response:
    return RedirectResponse(f"/invoices/{invoice_id}", status_code=303)


def _refused(
    request: Request, store: Store, user: User, invoice_id: int, error: str, form: dict[str, str]
) -> Response:
    return _page(request, store, user, invoice_id, error=error, form=form)


@router.post("/invoices/{invoice_id}/release", dependencies=[Depends(csrf_ok)])
def release(
    request: Request,
    invoice_id: int,
    note: str = Form(""),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    _mine(store, user, invoice_id)
    try:
        manual.decide(store, config_of(request), invoice_id, "release", by=user.name, note=note)
    except StoreError as exc:
        return _refused(request, store, user, invoice_id, str(exc), {"note": note})
    return _done(invoice_id)


@router.post("/invoices/{invoice_id}/return", dependencies=[Depends(csrf_ok)])
def return_(
    request: Request,
    invoice_id: int,
    code: str = Form("OTH"),
    reason_da: str = Form(""),
    reason_en: str = Form(""),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    _mine(store, user, invoice_id)
    _ = translator(lang_of(request))
    form = {"code": code, "reason_da": reason_da, "reason_en": reason_en}
    try:
        reason = manual.return_reason(code)
    except ValueError as exc:
        return _refused(request, store, user, invoice_id, str(exc), form)
    if not reason_da.strip():
        message = _(
            "Skriv begrundelsen til kunden (på dansk).", "Write the reason for the customer (in Danish)."
        )
        return _refused(request, store, user, invoice_id, message, form)
    try:
        manual.decide(
            store,
            config_of(request),
            invoice_id,
            "return",
            by=user.name,
            reason=reason,
            reason_da=reason_da,
            reason_en=reason_en or None,
        )
    except StoreError as exc:
        return _refused(request, store, user, invoice_id, str(exc), form)
    return _done(invoice_id)


@router.post("/invoices/{invoice_id}/retry", dependencies=[Depends(csrf_ok)])
def retry(
    request: Request,
    invoice_id: int,
    note: str = Form(""),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    _mine(store, user, invoice_id)
    try:
        manual.decide(store, config_of(request), invoice_id, "retry", by=user.name, note=note)
    except StoreError as exc:
        return _refused(request, store, user, invoice_id, str(exc), {"retry_note": note})
    return _done(invoice_id)


@router.post("/invoices/{invoice_id}/comment", dependencies=[Depends(csrf_ok)])
def comment(
    request: Request,
    invoice_id: int,
    text: str = Form(""),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    _mine(store, user, invoice_id)
    try:
        manual.comment(store, invoice_id, user.name, text)
    except StoreError as exc:
        return _refused(request, store, user, invoice_id, str(exc), {"text": text})
    return _done(invoice_id)
