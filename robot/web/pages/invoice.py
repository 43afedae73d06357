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

from robot.configuration.settings import LoadedConfig
from robot.errors import StoreError
from robot.processing import manual
from robot.store.holds import Decision
from robot.store.repo import Store
from robot.store.schema import InvoiceRow
from robot.web.app import CSP
from robot.web.deps import User, config_of, creditor, csrf_ok, store_of, viewer
from robot.web.forms import REASON_CHOICES, ReturnFields, return_form
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
    act: Callable[[LoadedConfig | None], object],
) -> Response:
    """Carry out ``act`` on the user's invoice (404 for another customer's, before anything is
    decided): back to the invoice's page, or the page with the store's refusal and the form."""
    _mine(store, user, invoice_id)
    try:
        act(config_of(request))
    except StoreError as exc:
        return _refused(request, store, user, invoice_id, str(exc), form)
    return _done(invoice_id)


#: an action that takes one text from the form: (store, configuration, invoice id, by whom, text)
TextAction = Callable[[Store, LoadedConfig | None, int, str, str], object]


def _with_text(path: str, name: str, kept_as: str, act: TextAction) -> Callable[..., Response]:
    """The POST route of an action that takes only a text, the form's field ``name`` (release and
    retry a note, comment its text); refused, the page shows the text again in ``kept_as``."""

    @router.post(f"/invoices/{{invoice_id}}/{path}", dependencies=[Depends(csrf_ok)])
    def route(
        request: Request,
        invoice_id: int,
        text: str = Form("", alias=name),
        user: User = Depends(creditor),
        store: Store = Depends(store_of),
    ) -> Response:
        def act_on(config: LoadedConfig | None) -> object:
            return act(store, config, invoice_id, user.name, text)

        return _attempt(request, store, user, invoice_id, {kept_as: text}, act_on)

    return route


def _decision(decision: Decision) -> TextAction:
    """Release or retry, with the note."""

    def act(store: Store, config: LoadedConfig | None, invoice_id: int, by: str, note: str) -> object:
        return manual.decide(store, config, invoice_id, decision, by=by, note=note)

    return act


def _comment(store: Store, _config: LoadedConfig | None, invoice_id: int, by: str, text: str) -> object:
    return manual.comment(store, invoice_id, by, text)


release = _with_text("release", "note", "note", _decision("release"))
retry = _with_text("retry", "note", "retry_note", _decision("retry"))
comment = _with_text("comment", "text", "text", _comment)


@router.post("/invoices/{invoice_id}/return", dependencies=[Depends(csrf_ok)])
def return_(
    request: Request,
    invoice_id: int,
    fields: ReturnFields = Depends(),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    """A return needs a reason code and the customer's text; the form is checked before the store."""
    form = {"code": fields.code, "reason_da": fields.reason_da, "reason_en": fields.reason_en}
    reason, problem = return_form(fields, translator(lang_of(request)))
    if reason is None:
        return _refused(request, store, user, invoice_id, problem, form)  # 404 for another's invoice

    def return_it(config: LoadedConfig | None) -> object:
        return manual.decide(
            store,
            config,
            invoice_id,
            "return",
            by=user.name,
            reason=reason,
            reason_da=fields.reason_da,
            reason_en=fields.reason_en or None,
        )

    return _attempt(request, store, user, invoice_id, form, return_it)
