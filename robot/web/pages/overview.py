"""*Overview*: ``/`` (yesterday's and today's scheduled runs, the next fire times, the last run's
counts, the hold queue, notices, open alerts) and ``/overview/live`` (the partial with the progress
of the runs going on now, which console.js fetches into the page every few seconds).

Reads in :mod:`robot.web.reads.overview`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from robot.running.health import ago
from robot.store.repo import Store
from robot.store.schema import utcnow
from robot.web.deps import User, config_of, store_of, viewer
from robot.web.reads.overview import live_runs, overview
from robot.web.reads.runs import run_of
from robot.web.render import lang_of, render

router = APIRouter()

#: how often the page asks for the live partial while a run goes on, and while none does
REFRESH_RUNNING, REFRESH_IDLE = 5, 30


def _live_url(request: Request, watched: list[int]) -> str:
    query = [("lang", lang_of(request)), *(("watch", str(i)) for i in watched)]
    return "/overview/live?" + urlencode(query)


@router.get("/", response_class=HTMLResponse)
def overview_page(
    request: Request, user: User = Depends(viewer), store: Store = Depends(store_of)
) -> HTMLResponse:
    view = overview(store, config_of(request), utcnow(), customer=user.customer_id)
    watched = [p.run.id for p in view.live]
    context = {
        "view": view,
        "ago": ago,
        "live": view.live,
        "finished": [],
        "live_url": _live_url(request, watched),
        "refresh_seconds": REFRESH_RUNNING if view.live else REFRESH_IDLE,
    }
    return render(request, "overview.html", context)


@router.get("/overview/live", response_class=HTMLResponse)
def overview_live(
    request: Request,
    watch: list[int] = Query(default=[]),
    user: User = Depends(viewer),
    store: Store = Depends(store_of),
) -> HTMLResponse:
    """The progress of the runs going on now; a watched run that has ended since says how it ended."""
    now = utcnow()
    live = live_runs(store, now)
    going = {p.run.id for p in live}
    finished = [
        r
        for i in list(dict.fromkeys(watch))[:10]
        if i not in going and (r := run_of(store, i, now)) is not None
    ]
    return render(request, "overview_live.html", {"live": live, "finished": finished, "ago": ago})
