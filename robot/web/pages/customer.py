"""The customer's own pages: ``/my`` (its invoices), ``/my/invoices/{id}`` (state, journey, notice),
``/my/invoices/{id}/notice/{n}`` (an attachment of that notice) and ``/my/invoices.csv``.

Only a user of role ``customer`` gets in (:func:`robot.web.deps.customer`); every read is bound to
the user's institution (:mod:`robot.web.reads.customer`). An invoice that is not the user's, a
file it does not have and an id that is no number all answer with the one :data:`NOT_FOUND` 404,
so nobody can tell another institution's invoice from one that does not exist.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from robot.store.repo import Store
from robot.web.csvfile import Cell, as_csv
from robot.web.deps import User, config_of, customer, store_of
from robot.web.pages.invoice_files import DOWNLOAD_CSP, disposition
from robot.web.reads.compare import master_data
from robot.web.reads.customer import MyPage, MyQuery, my_invoice, my_invoices, notice_file
from robot.web.reads.paging import next_page_url
from robot.web.reads.search import QueryError, form_fields
from robot.web.render import lang_of, render

router = APIRouter()

NOT_FOUND = "Fakturaen findes ikke. / No such invoice."
FIELDS = ("number", "supplier", "issued_from", "issued_to", "amount_min", "amount_max")
#: the attachment types a notice carries, sent as what they are; anything else as bytes
SAFE_TYPES = {"application/xml", "application/pdf", "text/plain"}


def institution(user: User) -> str:
    if not user.customer_id:
        raise HTTPException(status_code=403, detail="this user belongs to no institution")
    return user.customer_id


def _missing() -> HTTPException:
    return HTTPException(status_code=404, detail=NOT_FOUND)


def _id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise _missing()
    return int(text)


def customer_name(request: Request, customer_id: str) -> str:
    master = master_data(config_of(request))
    found = master.by_id.get(customer_id) if master is not None else None
    return found.name if found is not None else customer_id


def _query(request: Request) -> tuple[dict[str, str], MyQuery]:
    params = request.query_params
    values = {name: params.get(name, "")[:256] for name in FIELDS}
    after = params.get("after", "").strip()
    if after and not after.isdigit():
        raise QueryError("after", "er ikke en side", "is not a page")

    query = MyQuery(**form_fields(values, FIELDS), after=int(after) if after else None)
    return values, query


@router.get("/my")
def my_page(request: Request, user: User = Depends(customer), store: Store = Depends(store_of)) -> Response:
    me = institution(user)
    values = {name: request.query_params.get(name, "")[:256] for name in FIELDS}
    problem: QueryError | None = None
    page: MyPage | None = None
    next_url = None
    try:
        values, query = _query(request)
        page = my_invoices(store, me, query)
    except QueryError as exc:
        problem = exc
    if page is not None and page.next_after is not None:
        next_url = next_page_url("/my", values, request.query_params, page.next_after)
    context = {
        "values": values,
        "page": page,
        "problem": problem,
        "next_url": next_url,
        "continued": bool(request.query_params.get("after")),
        "institution": customer_name(request, me),
        "csv_url": "/my/invoices.csv?" + urlencode([(k, v) for k, v in values.items() if v]),
    }
    return render(request, "customer.html", context, status=400 if problem is not None else 200)


@router.get("/my/invoices.csv")
def my_csv(request: Request, user: User = Depends(customer), store: Store = Depends(store_of)) -> Response:
    """The invoices of the search (at most 5,000, newest first) as CSV, states in plain words."""
    me = institution(user)
    try:
        _values, query = _query(request)
    except QueryError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    lang = lang_of(request)
    page = my_invoices(store, me, query, limit=5000)
    rows: list[list[Cell]] = [
        [
            r.invoice_id,
            r.invoice_number or "",
            r.supplier_name or "",
            str(r.issue_date or ""),
            str(r.due_date or ""),
            str(r.payable) if r.payable is not None else "",
            r.currency or "",
            r.state.key,
            r.state.text(lang),
        ]
        for r in page.rows
    ]
    header = ["id", "number", "supplier", "issue_date", "due_date", "amount", "currency", "state", "text"]
    headers = {
        "Content-Disposition": disposition("attachment", f"fakturaer-{me}.csv", "fakturaer.csv"),
        "Content-Security-Policy": DOWNLOAD_CSP,
    }
    return Response(as_csv(header, rows), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/my/invoices/{invoice_id}")
def my_invoice_page(
    request: Request, invoice_id: str, user: User = Depends(customer), store: Store = Depends(store_of)
) -> Response:
    me = institution(user)
    found = my_invoice(store, me, _id(invoice_id))
    if found is None:
        raise _missing()
    context = {"inv": found, "institution": customer_name(request, me)}
    return render(request, "customer_invoice.html", context)


@router.get("/my/invoices/{invoice_id}/notice/{index}")
def my_notice_file(
    invoice_id: str, index: str, user: User = Depends(customer), store: Store = Depends(store_of)
) -> Response:
    me = institution(user)
    found = notice_file(store, me, _id(invoice_id), _id(index) - 1)
    if found is None:
        raise _missing()
    mime = found.mime if found.mime in SAFE_TYPES else "application/octet-stream"
    headers = {
        "Content-Disposition": disposition("attachment", found.name, "bilag"),
        "Content-Security-Policy": DOWNLOAD_CSP,
        "Cache-Control": "private, no-store",
    }
    return Response(found.content, media_type=mime, headers=headers)
