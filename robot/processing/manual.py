"""A person's decisions on a held invoice, for every front end (the CLI and the console).

:func:`decide` releases, returns or retries one held invoice: a release is first checked with the
posting path's own code (:func:`robot.processing.postable.posting_refusal`: an invoice a run could
not post is refused, saying what to do instead), then the store records it
(:meth:`robot.store.holds.HoldQueue.resolve_hold`: still held, a note for changed bank details,
four eyes where the customer's criteria ask for them). A refusal is a :class:`StoreError` whose
message is the one the CLI prints; nothing is changed then.

:func:`comment` and :func:`assign` are steps of an invoice's journey too (events ``comment`` and
``assigned``, with who), so what a person noted and who works an invoice is kept with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NotRequired, TypedDict, Unpack

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from robot.codes import RETURN_REASONS, Reason
from robot.errors import StoreError
from robot.store.holds import Decision, Resolution
from robot.store.schema import Event, InvoiceRow, InvoiceState

if TYPE_CHECKING:
    from classifiers.criteria import Customer
    from robot.configuration.settings import LoadedConfig
    from robot.pdftext import TemplateSet
    from robot.processing.context import MasterData
    from robot.store.repo import Store

DECISIONS: tuple[Decision, ...] = ("release", "return", "retry")
COMMENT, ASSIGNED = "comment", "assigned"
#: The longest comment kept (a person's text, shown in the journey).
MAX_COMMENT = 4000
MAX_NAME = 128  # invoices.assigned_to


class Checks:
    """What a release is checked against (vendor master, PDF templates), loaded once for many."""

    def __init__(self, config: LoadedConfig | Callable[[], LoadedConfig] | None) -> None:
        self._config = config
        self._loaded: tuple[MasterData, TemplateSet | None] | None = None

    def loaded(self, invoice_id: int) -> tuple[MasterData, TemplateSet | None]:
        if self._loaded is None:
            from robot.configuration.settings import LoadedConfig
            from robot.configuration.wiring import load_master

            config = self._config
            if config is None:
                raise StoreError(
                    f"invoice {invoice_id} cannot be released here: no configuration to check it "
                    "against (the vendor master and PDF templates); start with --config"
                )
            loaded = config if isinstance(config, LoadedConfig) else config()
            self._loaded = (load_master(loaded), loaded.pdf_templates())
        return self._loaded


class Say(TypedDict):
    """What a person says with a decision: :func:`decide`'s keywords, passed on by :func:`decide_many`."""

    by: str
    note: NotRequired[str]
    reason: NotRequired[Reason | None]
    reason_da: NotRequired[str]
    reason_en: NotRequired[str | None]


def return_reason(value: str) -> Reason:
    """One of the reasons a person may return with (:data:`robot.codes.RETURN_REASONS`), else ValueError."""
    if value not in RETURN_REASONS:
        raise ValueError(f"unknown reason code {value!r}; allowed: {', '.join(RETURN_REASONS)}")
    return Reason.of(value)


def decide(
    store: Store,
    config: LoadedConfig | Callable[[], LoadedConfig] | Checks | None,
    invoice_id: int,
    decision: Decision,
    *,
    by: str,
    note: str = "",
    reason: Reason | None = None,
    reason_da: str = "",
    reason_en: str | None = None,
) -> Resolution:
    """Record a person's decision on a held invoice; StoreError (the CLI's message) if refused.

    A return gives the reason code (``reason``, default OTH) and the customer's text in Danish
    (``reason_da``) and English (``reason_en``, default the Danish); the note is the Danish text
    unless one is given. A release is checked against the configuration (loaded on first need).
    """
    if decision not in DECISIONS:
        raise StoreError(f"unknown decision {decision!r}; the decisions are: {', '.join(DECISIONS)}")
    checks = config if isinstance(config, Checks) else Checks(config)
    finding = None
    if decision == "return":
        from robot.processing.findings import manual_return

        da = reason_da.strip()
        en = (reason_en or reason_da).strip()
        finding = manual_return(reason or Reason.OTH, da, en, by.strip())
        note = note or reason_da
    customers: Mapping[str, Customer] = {}
    if decision == "release":
        customers = check_release(store, invoice_id, checks)
    return store.resolve_hold(invoice_id, decision, by=by, note=note, finding=finding, customers=customers)


def check_release(store: Store, invoice_id: int, checks: Checks) -> Mapping[str, Customer]:
    """Refuse (StoreError) a release a run could not post; the customers, for their four eyes."""
    from robot.processing.postable import posting_refusal

    found = store.find_invoices(str(invoice_id))
    row = next((r for r in found if r.id == invoice_id), None)
    if row is None or row.state != InvoiceState.HELD:
        return {}  # resolve_hold says why (no such invoice, not held, already decided)
    master, templates = checks.loaded(invoice_id)
    refusal = posting_refusal(store, master, templates, invoice_id)
    if refusal is not None:
        raise StoreError(
            f"invoice {invoice_id} cannot be released: {refusal.why} ({refusal.code}); "
            f"a run would only hold it again.\nWhat to do: {refusal.fix}"
        )
    return master.by_id


@dataclass(frozen=True, slots=True)
class Outcome:
    """One invoice of a decision on several: done (its resolution) or refused (why)."""

    invoice_id: int
    done: Resolution | None
    refused: str | None


def decide_many(
    store: Store,
    config: LoadedConfig | Callable[[], LoadedConfig] | None,
    invoice_ids: Sequence[int],
    decision: Decision,
    **say: Unpack[Say],
) -> list[Outcome]:
    """One decision for several invoices, each through :func:`decide` on its own (one may be refused)."""
    checks = Checks(config)
    outcomes: list[Outcome] = []
    for invoice_id in dict.fromkeys(invoice_ids):
        try:
            done = decide(store, checks, invoice_id, decision, **say)
        except StoreError as exc:
            outcomes.append(Outcome(invoice_id, None, str(exc)))
        else:
            outcomes.append(Outcome(invoice_id, done, None))
    return outcomes


def comment(store: Store, invoice_id: int, by: str, text: str) -> Event:
    """Keep a person's comment in the invoice's journey (event ``comment``); StoreError if refused."""
    who, said = _who(by), text.strip()
    if not said:
        raise StoreError("a comment needs a text")
    if len(said) > MAX_COMMENT:
        raise StoreError(f"a comment is at most {MAX_COMMENT} characters (this one has {len(said)})")
    with store.sessions.begin() as s:
        if s.get(InvoiceRow, invoice_id) is None:
            raise StoreError(f"no invoice {invoice_id}")
        event = Event(invoice_id=invoice_id, run_id=None, kind=COMMENT, detail={"by": who, "text": said})
        s.add(event)
        s.flush()
        s.expunge(event)
        return event


def assign(store: Store, invoice_ids: Sequence[int], to: str | None, by: str) -> list[int]:
    """Give invoices to a person (``to``; empty or None: to no one), one ``assigned`` event each.

    Returns the ids assigned; an id that does not exist refuses the whole assignment (StoreError).
    """
    who = _who(by)
    person = (to or "").strip() or None
    if person is not None and len(person) > MAX_NAME:
        raise StoreError(f"a person's name is at most {MAX_NAME} characters")
    ids = list(dict.fromkeys(invoice_ids))
    if not ids:
        return []
    with store.sessions.begin() as s:
        found = set(s.scalars(select(InvoiceRow.id).where(InvoiceRow.id.in_(ids))))
        missing = [i for i in ids if i not in found]
        if missing:
            raise StoreError(f"no invoice {', '.join(map(str, missing))}; nothing was assigned")
        _set_assigned(s, ids, person)
        for invoice_id in ids:
            s.add(Event(invoice_id=invoice_id, run_id=None, kind=ASSIGNED, detail={"by": who, "to": person}))
    return ids


def _set_assigned(session: Session, ids: list[int], person: str | None) -> None:
    """``invoices.assigned_to`` (migration 0006); not a change of the invoice, so updated_at stays."""
    session.execute(
        update(InvoiceRow)
        .where(InvoiceRow.id.in_(ids))
        .values(assigned_to=person, updated_at=InvoiceRow.updated_at)
        .execution_options(synchronize_session=False)
    )


def _who(by: str) -> str:
    who = by.strip()
    if not who:
        raise StoreError("say who decides (--by): the decision is recorded with the name")
    return who
