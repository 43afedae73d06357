"""An invoice's journey for the invoice page: its events, postings, the notice and the Invoice Response.

Every value here is supplier or outside-system text and is returned as plain text; the templates
escape it. An event's details are ``(key, value)`` pairs (an unknown kind shows all of them),
never raw JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from robot.codes import Action, Reason, Status
from robot.errors import ReadError
from robot.readers.xmlsafe import parse_xml
from robot.store.schema import Event, NoticeRow, PostingRow

#: event kind → (Danish, English) wording
KINDS: dict[str, tuple[str, str]] = {
    "received": ("modtaget", "received"),
    "read": ("læst", "read"),
    "classified": ("vurderet", "classified"),
    "held": ("tilbageholdt til en person", "held for a person"),
    "posting": ("bogføres", "posting"),
    "posted": ("bogført", "posted"),
    "returned": ("returneret", "returned"),
    "notice-queued": ("besked lagt i kø", "notice queued"),
    "notice-sent": ("besked sendt", "notice sent"),
    "notice-refused": ("besked afvist", "notice refused"),
    "outcome-reported": ("udfald meldt til kilden", "outcome reported"),
    "outcome-refused": ("udfald afvist af kilden", "outcome refused"),
    "outcome-failed": ("udfald kunne ikke meldes", "outcome failed"),
    "release-approved": ("frigivelse godkendt", "release approved"),
    "released": ("frigivet", "released"),
    "returned-by-hand": ("returneret af en person", "returned by hand"),
    "retry": ("prøv igen", "retry asked"),
    "erp-unreachable": ("ERP utilgængeligt", "ERP unreachable"),
    "lease-lost": ("lås mistet", "lease lost"),
    "invoice-response-skipped": ("intet Invoice Response", "no Invoice Response"),
    "comment": ("kommentar", "comment"),
    "assigned": ("tildelt", "assigned"),
}


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    kind: str
    what_da: str
    what_en: str
    by: str  # the person (``detail.by``), else the run, else "-"
    detail: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PostingView:
    ledger: str
    state: str
    key: str
    erp_document_no: str | None
    created_at: datetime
    posted_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class NoticeView:
    notice_id: int
    state: str
    recipients: str
    subject: str
    text: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ResponseStatus:
    list_id: str  # OPStatusReason | OPStatusAction
    code: str
    label_da: str
    label_en: str
    text: str | None
    field: str | None
    expected: str | None


@dataclass(frozen=True, slots=True)
class ResponseView:
    response_id: str | None
    issue_date: str | None
    status: str | None
    status_da: str
    status_en: str
    note: str | None
    statuses: tuple[ResponseStatus, ...]
    error: str | None = None  # the stored bytes could not be read back


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value) or "-"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items()) or "-"
    return "-" if value is None or value == "" else str(value)


def event_view(event: Event) -> EventView:
    detail: Mapping[str, Any] = event.detail or {}
    da, en = KINDS.get(event.kind, (event.kind.replace("-", " "), event.kind.replace("-", " ")))
    if detail.get("by"):
        by = str(detail["by"])
    elif event.run_id is not None:
        by = f"run {event.run_id}"
    else:
        by = "-"
    pairs = tuple((str(k), _text(v)) for k, v in detail.items() if k != "by")
    return EventView(event.at, event.kind, da, en, by, pairs)


def events_view(events: Sequence[Event]) -> tuple[EventView, ...]:
    return tuple(event_view(e) for e in events)


def posting_view(p: PostingRow) -> PostingView:
    return PostingView(
        p.ledger,
        p.state,
        p.idempotency_key,
        p.erp_document_no,
        p.created_at,
        p.posted_at,
        p.attempts,
        p.last_error,
    )


def notice_view(n: NoticeRow) -> NoticeView:
    return NoticeView(
        n.id, n.state, n.recipients, n.subject, n.body_text, n.created_at, n.sent_at, n.last_error
    )


_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _label(codes: type[Reason] | type[Action] | type[Status], code: str) -> tuple[str, str]:
    try:
        member = codes.of(code)
    except ValueError:
        return code, code
    return member.da, member.en


def response_view(content: bytes) -> ResponseView:
    """The stored Invoice Response (T111) as a person reads it: status, reasons, actions, note."""
    try:
        root = parse_xml(content, "invoice-response.xml")
    except ReadError as exc:
        return ResponseView(None, None, None, "-", "-", None, (), error=exc.reason)

    def one(node: Any, path: str) -> str | None:
        found = node.find(path, _NS)
        text = found.text if found is not None else None
        return " ".join(text.split()) if text and text.strip() else None

    status = one(root, "cac:DocumentResponse/cac:Response/cbc:ResponseCode")
    status_da, status_en = _label(Status, status) if status else ("-", "-")
    statuses: list[ResponseStatus] = []
    for el in root.findall("cac:DocumentResponse/cac:Response/cac:Status", _NS):
        code_el = el.find("cbc:StatusReasonCode", _NS)
        code = (code_el.text or "").strip() if code_el is not None else ""
        list_id = code_el.get("listID", "") if code_el is not None else ""
        da, en = _label(Action if list_id == "OPStatusAction" else Reason, code)
        statuses.append(
            ResponseStatus(
                list_id,
                code,
                da,
                en,
                one(el, "cbc:StatusReason"),
                one(el, "cac:Condition/cbc:AttributeID"),
                one(el, "cac:Condition/cbc:Description"),
            )
        )
    return ResponseView(
        one(root, "cbc:ID"),
        one(root, "cbc:IssueDate"),
        status,
        status_da,
        status_en,
        one(root, "cbc:Note"),
        tuple(statuses),
    )
