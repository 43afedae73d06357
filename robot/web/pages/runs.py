"""*Runs*: ``/runs`` (the history, paged by run id) and ``/runs/{id}`` (one run: its counts, the
invoices it handled and every failure with its message, each paged by key).

Reads in :mod:`robot.web.reads.runs`. A person limited to one customer sees only that customer's
invoices and their failures, and not the run's recorded problems (they name every customer's
documents).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from robot.store.repo import Store
from robot.store.schema import utcnow
from robot.web.deps import User, store_of, viewer
from robot.web.reads.runs import (
    FAILURES_PER_PAGE,
    INVOICES_PER_PAGE,
    RUNS_PER_PAGE,
    run_failures,
    run_invoices,
    run_of,
    runs_page,
)
from robot.web.render import render

router = APIRouter()

#: a page key is a positive id, at most what the store's BigInteger keys hold
MAX_KEY = 2**63 - 1
#: rows per page (read when a page is served, so a test may make them small)
RUNS, INVOICES, FAILURES = RUNS_PER_PAGE, INVOICES_PER_PAGE, FAILURES_PER_PAGE


@router.get("/runs", response_class=HTMLResponse)
def runs(
    request: Request,
    before: int | None = Query(None, ge=1, le=MAX_KEY),
    user: User = Depends(viewer),
    store: Store = Depends(store_of),
) -> HTMLResponse:
    page = runs_page(store, before=before, limit=RUNS, now=utcnow())
    older = f"/runs?{urlencode({'before': page.next_before})}" if page.next_before is not None else None
    return render(request, "runs.html", {"page": page, "paged": before is not None, "older_url": older})


def _url(run_id: int, **keys: int | None) -> str:
    kept = {k: v for k, v in keys.items() if v is not None}
    return f"/runs/{run_id}" + (f"?{urlencode(kept)}" if kept else "")


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run(
    request: Request,
    run_id: int,
    after: int | None = Query(None, ge=1, le=MAX_KEY),
    failures_after: int | None = Query(None, ge=1, le=MAX_KEY),
    user: User = Depends(viewer),
    store: Store = Depends(store_of),
) -> HTMLResponse:
    line = run_of(store, run_id, utcnow())
    if line is None:
        raise HTTPException(status_code=404, detail=f"no run {run_id}")
    invoices = run_invoices(store, run_id, after=after, customer=user.customer_id, limit=INVOICES)
    failures = run_failures(store, run_id, after=failures_after, customer=user.customer_id, limit=FAILURES)
    context = {
        "run": line,
        "invoices": invoices,
        "failures": failures,
        "show_problems": user.customer_id is None,
        "invoices_paged": after is not None,
        "failures_paged": failures_after is not None,
        "next_invoices_url": (
            _url(run_id, after=invoices.next_after, failures_after=failures_after)
            if invoices.next_after is not None
            else None
        ),
        "first_invoices_url": _url(run_id, failures_after=failures_after) + "#invoices",
        "next_failures_url": (
            _url(run_id, after=after, failures_after=failures.next_after)
            if failures.next_after is not None
            else None
        ),
        "first_failures_url": _url(run_id, after=after) + "#failures",
    }
    return render(request, "run.html", context)
