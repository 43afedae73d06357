"""*Report*: ``/report?since=&until=&customer=&supplier=``, the figures of ``fakturarobot report``.

The numbers are :func:`robot.reports.report.report` over the scope asked for (a person limited to
one customer always sees only that customer's), shown as tables; the stops by error type, by rule
and the decisions made by hand each have a server-side SVG bar chart (:mod:`robot.web.charts`,
every label escaped) beside their table. The suggestions from history are listed under them.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from robot.reports.report import Report, report
from robot.reports.scope import Scope
from robot.store.repo import Store
from robot.web import charts
from robot.web.deps import User, store_of, viewer
from robot.web.render import lang_of, render, translator

router = APIRouter()


def scope_of(
    user: User = Depends(viewer),
    since: date | None = Query(None),
    until: date | None = Query(None),
    customer: str | None = Query(None, max_length=64),
    supplier: str | None = Query(None, max_length=64),
) -> Scope:
    """The scope asked for; a person limited to a customer gets that customer only."""
    chosen = user.customer_id if user.customer_id is not None else (customer or None)
    return Scope(since=since, until=until, customer=chosen, supplier=supplier or None)


def _charts(found: Report, lang: str) -> dict[str, Markup]:
    _ = translator(lang)
    decisions = [(d.rule, float(d.released + d.returned_by_hand + d.retried)) for d in found.decisions]
    return {
        "error_types": charts.bars(
            [(e.code, float(e.returned + e.held)) for e in found.error_types],
            title=_("Returneret og tilbageholdt pr. fejltype", "Returned and held by error type"),
        ),
        "rules": charts.bars(
            [(r.code, float(r.returned + r.held)) for r in found.rules],
            title=_("Returneret og tilbageholdt pr. regel", "Returned and held by rule"),
        ),
        "decisions": charts.bars(
            decisions, title=_("Afgørelser truffet af en person pr. regel", "Decisions by hand by rule")
        ),
    }


@router.get("/report")
def page(request: Request, scope: Scope = Depends(scope_of), store: Store = Depends(store_of)) -> Response:
    lang = lang_of(request)
    found = report(store, scope)
    context = {
        "scope": scope,
        "report": found,
        "figures": found.as_dict(),
        "charts": _charts(found, lang),
    }
    return render(request, "report.html", context)
