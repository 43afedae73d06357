"""*Search*: ``/search`` by invoice number, supplier (CVR or name), customer, state, dates and amount.

A GET form (the search is a link one can share); results newest first, a page at a time by keyset
(:mod:`robot.web.reads.search`), each linking to its invoice page. A person limited to one
customer finds only that customer's invoices. A field that cannot be understood is said so beside
the form (400), never guessed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from robot.store.repo import Store
from robot.web.deps import User, config_of, store_of, viewer
from robot.web.reads.compare import master_data
from robot.web.reads.paging import next_page_url
from robot.web.reads.search import STATES, QueryError, SearchPage, SearchQuery, form_fields, search
from robot.web.render import render

router = APIRouter()

FIELDS = (
    "number",
    "supplier",
    "customer",
    "state",
    "issued_from",
    "issued_to",
    "received_from",
    "received_to",
    "amount_min",
    "amount_max",
)


def _query(values: dict[str, str], after: str | None) -> SearchQuery:
    cursor = None
    if after and after.strip():
        if not after.strip().isdigit():
            raise QueryError("after", "er ikke en side", "is not a page")
        cursor = int(after.strip())
    return SearchQuery(**form_fields(values, FIELDS), after=cursor)


@router.get("/search")
def search_page(request: Request, user: User = Depends(viewer), store: Store = Depends(store_of)) -> Response:
    params = request.query_params
    values = {name: params.get(name, "")[:256] for name in FIELDS}
    master = master_data(config_of(request))
    customers = sorted(master.by_id) if master is not None else []
    if user.customer_id is not None:
        customers = [c for c in customers if c.casefold() == user.customer_id.casefold()]
    problem: QueryError | None = None
    page: SearchPage | None = None
    next_url = None
    try:
        query = _query(values, params.get("after"))
        if not query.empty:
            page = search(store, query, restrict_to=user.customer_id, customers=customers)
    except QueryError as exc:
        problem = exc
    if page is not None and page.next_after is not None:
        next_url = next_page_url("/search", values, params, page.next_after)
    context = {
        "values": values,
        "states": STATES,
        "customers": customers,
        "page": page,
        "problem": problem,
        "next_url": next_url,
        "continued": bool(params.get("after")),
    }
    return render(request, "search.html", context, status=400 if problem is not None else 200)
