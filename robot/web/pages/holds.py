"""*Hold queue*: ``/holds``, the held invoices with filters, and one decision for several of them.

``GET /holds`` shows a page of the queue (:mod:`robot.web.reads.holds`: due first, overdue in
words, paged by key) with the filter form; creditors and admins also get a checkbox per invoice,
a select-all box and the controls for a decision and an assignment.

``POST /holds/decide`` (CSRF) releases, returns (reason code and the customer's text in Danish and
English) or retries every selected invoice, each on its own through the CLI's code
(:func:`robot.processing.manual.decide_many`, four eyes and the release checks included), recorded
with the logged-in person's name; the answer lists each invoice as done or refused with why.
``POST /holds/assign`` gives the selected invoices to a person (empty: to no one). Both need the
role creditor (a viewer gets 403). A person limited to one customer decides only that customer's
invoices: any other id is refused as "no invoice", like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from robot.errors import StoreError
from robot.processing import manual
from robot.store.holds import Decision
from robot.store.repo import Store
from robot.store.schema import utcnow
from robot.store.users import Users
from robot.web.deps import User, config_of, creditor, csrf_ok, store_of, viewer
from robot.web.forms import REASON_CHOICES, ReturnFields, return_form
from robot.web.reads.holds import MAX_PAGE, PAGE, UNASSIGNED, HoldFilter, count_holds, held_ids, hold_queue
from robot.web.reads.paging import bounded
from robot.web.render import ZONE, lang_of, render, translator

router = APIRouter()

#: The most invoices one decision or assignment takes (a page holds at most 200).
MAX_SELECTED = 500
FILTER_FIELDS = (
    "customer",
    "error_type",
    "rule",
    "supplier",
    "due_before",
    "amount_min",
    "amount_max",
    "assigned",
)


def _filters(request: Request) -> tuple[HoldFilter, dict[str, str], list[tuple[str, str]]]:
    """The filters of the query string, the form's values, and what could not be read (da, en)."""
    form = {k: request.query_params.get(k, "").strip()[:128] for k in FILTER_FIELDS}
    problems: list[tuple[str, str]] = []
    due = None
    if form["due_before"]:
        try:
            due = date.fromisoformat(form["due_before"])
        except ValueError:
            problems.append(
                ("Forfald før: skriv en dato som 2026-12-31.", "Due before: write a date like 2026-12-31.")
            )
    amounts: dict[str, Decimal | None] = {}
    for key in ("amount_min", "amount_max"):
        amounts[key] = None
        if form[key]:
            try:
                amounts[key] = Decimal(form[key].replace(" ", "").replace(",", "."))
                if not amounts[key].is_finite():  # type: ignore[union-attr]
                    raise InvalidOperation
            except InvalidOperation:
                amounts[key] = None
                problems.append(("Beløb: skriv et tal som 1234,50.", "Amount: write a number like 1234.50."))
    filters = HoldFilter(
        customer=form["customer"] or None,
        error_type=form["error_type"] or None,
        rule=form["rule"] or None,
        supplier=form["supplier"] or None,
        due_before=due,
        amount_min=amounts["amount_min"],
        amount_max=amounts["amount_max"],
        assigned_to=form["assigned"] or None,
    )
    return filters, form, problems


def _query(form: dict[str, str], **extra: str) -> str:
    kept = [(k, v) for k, v in form.items() if v]
    return urlencode([*kept, *extra.items()])


def _people(store: Store) -> list[str]:
    """The names to offer for an assignment: the console's people who may decide."""
    return sorted(
        p.name for p in Users(store.sessions).all() if p.role in ("creditor", "admin") and not p.disabled
    )


@router.get("/holds")
def holds(request: Request, user: User = Depends(viewer), store: Store = Depends(store_of)) -> Response:
    filters, form, problems = _filters(request)
    today = _today()
    after = request.query_params.get("after") or None
    size = _page_size(request.query_params.get("n", ""))
    if size != PAGE:
        form["n"] = str(size)  # kept in the page links
    page = (
        None
        if problems
        else hold_queue(store, filters, today=today, after=after, limit=size, only_customer=user.customer_id)
    )
    total, overdue = (
        (0, 0) if problems else count_holds(store, filters, today=today, only_customer=user.customer_id)
    )
    context: dict[str, Any] = {
        "page": page,
        "form": form,
        "problems": problems,
        "total": total,
        "overdue": overdue,
        "first_url": "/holds?" + _query(form),
        "next_url": ("/holds?" + _query(form, after=page.next_key)) if page and page.next_key else None,
        "back": "/holds?" + _query(form, **({"after": after} if after else {})),
        "reasons": REASON_CHOICES,
        "people": _people(store) if user.can_decide else [],
        "unassigned": UNASSIGNED,
    }
    return render(request, "holds.html", context, status=400 if problems else 200)


def _today() -> date:
    return utcnow().astimezone(ZONE).date()


def _page_size(value: str) -> int:
    """``?n=``: rows per page (1 to 200), else the default."""
    return bounded(int(value), MAX_PAGE) if value.isdigit() else PAGE


def _selected(store: Store, user: User, ids: list[int]) -> tuple[list[int], list[int]]:
    """The selected ids the user may act on, and the others (another customer's or none at all)."""
    if not ids:
        raise HTTPException(status_code=400, detail="choose at least one invoice")
    if len(ids) > MAX_SELECTED:
        raise HTTPException(status_code=400, detail=f"at most {MAX_SELECTED} invoices at once")
    wanted = list(dict.fromkeys(ids))
    mine = held_ids(store, wanted, user.customer_id)
    return mine, [i for i in wanted if i not in set(mine)]


@dataclass(frozen=True, slots=True)
class Selection:
    """The invoices ticked in the queue, and the queue (with its filters) the answer links back to:
    what a decision's and an assignment's forms both send (``selection: Selection = Depends()``)."""

    ids: list[int] = Form(default=[])  # noqa: RUF009 - FastAPI's field, never the instance's value
    back: str = Form("/holds")

    def back_to(self) -> str:
        """Where the answer links back to: the queue with its filters, never another site."""
        return self.back if self.back.startswith("/holds?") or self.back == "/holds" else "/holds"


@router.post("/holds/decide", dependencies=[Depends(csrf_ok)])
def decide(
    request: Request,
    selection: Selection = Depends(),
    decision: str = Form(""),
    note: str = Form(""),
    fields: ReturnFields = Depends(),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    _ = translator(lang_of(request))
    if decision not in manual.DECISIONS:
        raise HTTPException(
            status_code=400,
            detail=_("Vælg frigiv, returnér eller prøv igen.", "Choose release, return or retry."),
        )
    chosen: Decision = decision  # type: ignore[assignment]
    reason = None
    if chosen == "return":
        reason, problem = return_form(fields, _)
        if reason is None:
            raise HTTPException(status_code=400, detail=problem)
    mine, others = _selected(store, user, selection.ids)
    outcomes = manual.decide_many(
        store,
        config_of(request),
        mine,
        chosen,
        by=user.name,
        note=note,
        reason=reason,
        reason_da=fields.reason_da,
        reason_en=fields.reason_en.strip() or None,
    )
    outcomes += [manual.Outcome(i, None, f"no invoice {i}") for i in others]
    order = {i: n for n, i in enumerate(dict.fromkeys(selection.ids))}
    outcomes.sort(key=lambda o: order[o.invoice_id])
    done = sum(1 for o in outcomes if o.done is not None)
    context = {
        "decision": chosen,
        "outcomes": outcomes,
        "done": done,
        "back": selection.back_to(),
        "assigned": None,
    }
    return render(request, "holds_result.html", context, status=200 if done else 409)


@router.post("/holds/assign", dependencies=[Depends(csrf_ok)])
def assign(
    request: Request,
    selection: Selection = Depends(),
    person: str = Form(""),
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
) -> Response:
    mine, others = _selected(store, user, selection.ids)
    if others:
        raise HTTPException(
            status_code=404, detail=f"no invoice {', '.join(map(str, others))}; nothing was assigned"
        )
    try:
        assigned = manual.assign(store, mine, person, user.name)
    except StoreError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    context: dict[str, Any] = {
        "decision": None,
        "outcomes": [],
        "done": len(assigned),
        "back": selection.back_to(),
        "assigned": {"ids": assigned, "to": person.strip() or None},
    }
    return render(request, "holds_result.html", context)
