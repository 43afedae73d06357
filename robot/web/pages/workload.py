"""*Workload*: ``/workload``, the creditor team's capacity numbers (robot.web.reads.workload).

Held invoices per person and per customer (each linking to the hold queue filtered to them), what
is overdue, due today and due this week, how long holds wait, and what the team decided per day
over the last 14 days. Bars are ``<meter>`` elements (no inline style); the numbers stand beside
them. Anyone logged in may look; a person limited to one customer sees only that customer.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from robot.store.repo import Store
from robot.store.schema import utcnow
from robot.web.deps import User, store_of, viewer
from robot.web.reads.holds import UNASSIGNED
from robot.web.reads.workload import DECISION_KINDS, workload
from robot.web.render import render

router = APIRouter()

#: Column headings of the decisions, per event kind: (Danish, English).
KIND_NAMES = {
    "released": ("Frigivet", "Released"),
    "returned-by-hand": ("Returneret", "Returned"),
    "retry": ("Læst igen", "Retried"),
    "release-approved": ("Godkendt (fire øjne)", "Approved (four eyes)"),
}


def duration(value: timedelta | None) -> tuple[str, str]:
    """A wait in words, (Danish, English): ``3 dage 4 timer`` / ``3 days 4 hours``.

    >>> duration(timedelta(days=3, hours=4, minutes=59))
    ('3 dage 4 timer', '3 days 4 hours')
    >>> duration(timedelta(minutes=20)), duration(timedelta(days=1))
    (('under en time', 'under an hour'), ('1 dag', '1 day'))
    """
    if value is None:
        return "-", "-"
    days, hours = value.days, value.seconds // 3600
    if not days and not hours:
        return "under en time", "under an hour"
    da, en = [], []
    if days:
        da.append(f"{days} {'dag' if days == 1 else 'dage'}")
        en.append(f"{days} {'day' if days == 1 else 'days'}")
    if hours:
        da.append(f"{hours} {'time' if hours == 1 else 'timer'}")
        en.append(f"{hours} {'hour' if hours == 1 else 'hours'}")
    return " ".join(da), " ".join(en)


@router.get("/workload")
def page(request: Request, user: User = Depends(viewer), store: Store = Depends(store_of)) -> Response:
    numbers = workload(store, now=utcnow(), only_customer=user.customer_id)
    context = {
        "w": numbers,
        "kinds": [(k, *KIND_NAMES[k]) for k in DECISION_KINDS],
        "duration": duration,
        "unassigned": UNASSIGNED,
        "most_person": max((p.held for p in numbers.people), default=0),
        "most_customer": max((c.held for c in numbers.customers), default=0),
        "most_bucket": max((b.count for b in numbers.waiting.buckets), default=0),
    }
    return render(request, "workload.html", context)
