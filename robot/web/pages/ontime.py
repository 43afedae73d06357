"""``/overview/on-time``: the share of invoices paid by their due date, per customer and for the
suppliers paid late most often (the figure the state's auditors report).

A partial the overview loads after it has been shown (``data-load-now``), so the overview itself
stays fast however much payment history there is. The numbers are
:func:`robot.processing.customer_state.on_time_shares`, from the bank matching's ``paid`` events;
a person limited to one customer sees that customer only.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robot.processing.customer_state import OnTimeShare, on_time_shares
from robot.store.repo import Store
from robot.web.deps import User, store_of, viewer
from robot.web.render import render

router = APIRouter()
LATE_SUPPLIERS = 5


def per_customer(shares: list[OnTimeShare]) -> list[OnTimeShare]:
    """The shares summed over suppliers, per customer, in customer order (of no one supplier)."""
    sums: dict[str | None, list[int]] = {}
    for s in shares:
        got = sums.setdefault(s.customer_id, [0, 0, 0])
        got[0] += s.paid
        got[1] += s.on_time
        got[2] += s.without_due_date
    return [OnTimeShare(c, None, None, *n) for c, n in sorted(sums.items(), key=lambda kv: kv[0] or "")]


def late_suppliers(shares: list[OnTimeShare]) -> list[OnTimeShare]:
    """The customer-supplier pairs with the most invoices paid late, most first."""
    late = [s for s in shares if s.paid - s.without_due_date - s.on_time > 0]
    return sorted(late, key=lambda s: -(s.paid - s.without_due_date - s.on_time))[:LATE_SUPPLIERS]


@router.get("/overview/on-time", response_class=HTMLResponse)
def on_time(request: Request, user: User = Depends(viewer), store: Store = Depends(store_of)) -> HTMLResponse:
    with store.sessions() as s:
        shares = on_time_shares(s, customer_id=user.customer_id)
    context = {"customers": per_customer(shares), "late": late_suppliers(shares)}
    return render(request, "ontime.html", context)
