"""*An invoice*: ``/invoices/{id}``, and the decisions a creditor takes on it.

The page shows the document as a person reads it, its findings beside what they disagree with,
and its journey (:mod:`robot.web.reads.invoice`). Release, return, retry and comment are POSTs
with the CSRF token, for creditors and admins only, and go through the CLI's own code
(:mod:`robot.processing.manual`): a refused decision shows the CLI's message and changes
nothing. A person limited to one customer gets 404 for any other customer's invoice, also on POST.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from robot.errors import StoreError
from robot.processing import manual
from robot.store.holds import Decision
from robot.store.repo import Store
from robot.store.schema import InvoiceRow
from robot.web.app import CSP
from robot.web.deps import User, config_of, creditor, csrf_ok, store_of, viewer
from robot.web.forms import REASON_CHOICES, return_form
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
        "reasons": REASON_CHOICES,
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


def _attempt(
    request: Request,
    store: Store,
    user: User,
    invoice_id: int,
    form: dict[str, str],
    act: Callable[[], object],
) -> Response:
    """Carry out ``act``: back to the invoice's page, or the page with the store's refusal and the form."""
    try:
        act()
    except StoreError as exc:
        return _refused(request, store, user, invoice_id, str(exc), form)
    return _done(invoice_id)


def _decide(
    request: Request, store: Store, user: User, invoice_id: int, decision: Decision, note: str, field: str
) -> Response:
    """Release or retry with a note (kept in the form's ``field`` when refused)."""
    _mine(store, user, invoice_id)
    config = config_of(request)
    return _attempt(
        request,
        store,
        user,
        invoice_id,
        {field: note},
        lambda: manual.decide(store, config, invoice_id, decision, by=user.name, note=note),
    )


def _with_note(decision: Decision, field: str) -> Callable[..., Response]:
    """The POST route of a decision that takes only a note (release, retry)."""

    @router.post(f"/invoices/{{invoice_id}}/{decision}", dependencies=[Depends(csrf_ok)])
    def route(
        request: Request,
        invoice_id: int,
        note: str = Form(""),
        user: User = Depends(creditor),
        store: Store = Depends(store_of),
    ) -> Response:
        return _decide(request, store, user, invoice_id, decision, note, field)

    return route


release = _with_note("release", "note")
retry = _with_note("retry", "retry_note")


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
    form = {"code": code, "reason_da": reason_da, "reason_en": reason_en}
    reason, problem = return_form(code, reason_da, translator(lang_of(request)))
    if reason is None:
        return _refused(request, store, user, invoice_id, problem, form)
    config = config_of(request)
    return _attempt(
        request,
        store,
        user,
        invoice_id,
        form,
        lambda: manual.decide(
            store,
            config,
            invoice_id,
            "return",
            by=user.name,
            reason=reason,
            reason_da=reason_da,
            reason_en=reason_en or None,
        ),
    )


@router.post("/invoices/{invoice_id}/comment", dependencies=[Depends(csrf_ok)])
def comment(
    request: Request,
    invoice_id: int,
    text: str = Form(""),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    _mine(store, user, invoice_id)
    return _attempt(
        request,
        store,
        user,
        invoice_id,
        {"text": text},
        lambda: manual.comment(store, invoice_id, user.name, text),
    )
