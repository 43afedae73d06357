"""*What if*: ``/what-if``. GET shows the form; POST (creditor or admin, CSRF token as a form field)
takes an uploaded customers file with changed criteria and replays the stored invoices of a period
under it (:func:`robot.processing.whatif.replay.replay`), read-only: the replay only reads the
store, and nothing is posted, returned or sent. The answer shows per customer the touchless rate
before and after and the changed invoices in their groups, each linking to ``/invoices/{id}``.

Only a criteria file can be uploaded, never a rule module (that would run uploaded code). The file
is at most :data:`MAX_BYTES` and is read by the same validated loader as ``customers.yaml``
(:func:`robot.configuration.masterdata.load_customers`): a bad file is a 400 naming the line.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from robot.errors import ConfigError
from robot.processing.whatif.replay import prepare, replay
from robot.processing.whatif.result import GROUPS, WhatIf
from robot.reports.scope import Scope
from robot.store.repo import Store
from robot.web.deps import User, config_of, creditor, csrf_ok, store_of, viewer
from robot.web.render import render

router = APIRouter()

MAX_BYTES = 1024 * 1024
GROUP_TEXT = {
    "released-now-automatic": (
        "Frigivet manuelt før, automatisk nu",
        "Released by hand before, automatic now",
    ),
    "now-posted": ("Returneret eller tilbageholdt før, bogført nu", "Returned or held before, posted now"),
    "now-stopped": ("Bogført før, stoppet nu", "Posted before, stopped now"),
    "other": (
        "Returneret før, tilbageholdt nu, eller omvendt",
        "Returned before, held now, or the other way round",
    ),
}


class Refused(Exception):
    """The form cannot be replayed; ``da``/``en`` say why."""

    def __init__(self, da: str, en: str) -> None:
        super().__init__(en)
        self.da, self.en = da, en


def _form_page(
    request: Request,
    status: int = 200,
    error: tuple[str, str] | None = None,
    result: WhatIf | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    context = {
        "error": error,
        "result": result,
        "customers": sorted(result.customers.values(), key=lambda f: f.customer or "") if result else [],
        "groups": GROUPS,
        "group_text": GROUP_TEXT,
        "values": values or {},
        "max_bytes": MAX_BYTES,
    }
    return render(request, "whatif.html", context, status=status)


@router.get("/what-if")
def form(request: Request, user: User = Depends(viewer)) -> Response:
    return _form_page(request)


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(f"ugyldig dato: {text[:20]!r}", f"not a date: {text[:20]!r}") from None


async def _criteria_bytes(upload: UploadFile | None) -> bytes:
    if upload is None:
        raise Refused("vælg en kriteriefil (YAML)", "choose a criteria file (YAML)")
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise Refused("filen er større end 1 MB", "the file is larger than 1 MB")
    return content


@router.post("/what-if", dependencies=[Depends(creditor), Depends(csrf_ok)])
async def run(
    request: Request,
    user: User = Depends(creditor),
    store: Store = Depends(store_of),
    criteria: UploadFile | None = File(None),
    since: str = Form(""),
    until: str = Form(""),
    customer: str = Form(""),
) -> Response:
    # the form is declared here so that FastAPI parses it first and closes its files after the
    # answer, also when the role or CSRF check refuses the request
    values = {"since": since[:64], "until": until[:64], "customer": customer[:64]}
    if user.customer_id is not None:
        values["customer"] = user.customer_id
    loaded = config_of(request)
    try:
        if loaded is None:
            raise Refused("konsollen kører uden konfiguration", "the console runs without a configuration")
        scope = Scope(since=_day(values["since"]), until=_day(values["until"]))
        content = await _criteria_bytes(criteria)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "customers.yaml"
            path.write_bytes(content)
            try:
                master, classifier = prepare(loaded, criteria=path, rules=[])
            except ConfigError as exc:
                message = str(exc).replace(str(path), "customers.yaml")
                raise Refused(message, message) from None
        chosen = values["customer"] or None
        if chosen is not None and chosen not in master.by_id:
            raise Refused(f"ukendt kunde {chosen!r}", f"unknown customer {chosen!r}")
    except Refused as refused:
        return _form_page(request, 400, (refused.da, refused.en), values=values)
    start, end = scope.bounds()
    # the replay reads for a while (a year: minutes): off the event loop, so other pages still answer
    result = await run_in_threadpool(
        replay, store, master, classifier, loaded.pdf_templates(), since=start, until=end, customer=chosen
    )
    return _form_page(request, result=result, values=values)
