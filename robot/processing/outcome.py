"""The decision as the store records it: an :class:`Outcome` (the invoice's new state and columns,
the findings, the posting intent, the events), applied in one transaction by
:meth:`robot.store.decisions.Decisions.apply`.

The first pass and every resumed step build it here: :func:`classified` for an invoice read and
classified now (on its first pass, or resumed after ``read``; the decision itself is
:func:`robot.processing.decision.decide`), :func:`carried_out` for a decision recorded earlier
(resumed, or a person's release or return), :func:`held` for a hold after the decision (the ERP
refused, the retries spent)::

    received ──read──► read ──classify──► classified ──► posted | returned | held
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from classifiers.api import Finding
from classifiers.keys import canonical_invoice_number, normalise_invoice_number, supplier_key
from robot.codes import InvoiceState, Verdict
from robot.model import Invoice
from robot.processing.decision import Decision
from robot.processing.findings import robot_finding
from robot.serialize import evidence_to_json

Step = tuple[str, dict[str, Any]]  # an event: its kind and detail


@dataclass(frozen=True, slots=True)
class Intent:
    """The posting intent, recorded before the ERP is called (the ERP takes the invoice once)."""

    key: str  # the idempotency key
    ledger: str
    payload: dict[str, Any]
    recorded: bool = False  # already in the store (a resumed posting): counted again, no new event


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the store writes for one step of an invoice, in one transaction, with its events."""

    state: str | None  # the invoice's new state (None: unchanged)
    values: Mapping[str, Any] = field(default_factory=dict)  # other invoice columns
    findings: tuple[Finding, ...] = ()  # added to the invoice's findings
    replace_findings: bool = False  # a classification: earlier findings are replaced
    error_types: tuple[str, ...] | None = None  # replaced when given (``invoices.error_types`` too)
    posting: Intent | None = None
    events: tuple[Step, ...] = ()
    step: str = "deciding"  # what a lost lease names

    @property
    def final(self) -> bool:
        """Returned or held: the work on the invoice is done and its claim is let go."""
        return self.state in (InvoiceState.RETURNED, InvoiceState.HELD)


def read_step(invoice: Invoice | None, read_error: str | None) -> tuple[dict[str, Any], Step]:
    """What reading taught (the invoice's search columns) and the ``read`` event."""
    values: dict[str, Any] = {"read_error": read_error}
    if invoice is not None:
        values.update(
            format=invoice.format,
            document_type=invoice.document_type.value,
            invoice_number=invoice.number,
            number_normalised=normalise_invoice_number(invoice.number) if invoice.number else None,
            number_canonical=canonical_invoice_number(invoice.number)[:128] if invoice.number else None,
            supplier_key=supplier_key(invoice),
            supplier_name=invoice.seller.name,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,  # the UBL reader fills BT-9 from an OIOUBL PaymentDueDate
            payable=invoice.totals.payable,
            currency=invoice.currency,
        )
    detail: dict[str, Any] = {"error": read_error} if read_error else {"format": values.get("format")}
    if values.get("invoice_number"):
        detail["invoice_number"] = values["invoice_number"]
    if invoice is not None and invoice.ocr:
        detail["ocr"] = True
    if invoice is not None and invoice.evidence:  # a printed PDF: where each value was read
        detail["evidence"] = [evidence_to_json(e) for e in invoice.evidence]
    return values, ("read", detail)


def classified(
    decision: Decision,
    *,
    read_recorded: bool,
    posting: Intent | None = None,
    response: bytes | None = None,
    response_skipped: str | None = None,
) -> Outcome:
    """An invoice read and classified now: ``read`` (unless recorded already), ``classified``, and
    then ``post`` records the posting intent (the invoice stays ``classified`` until the ERP
    confirms), ``return`` and ``hold`` are final."""
    types = tuple(dict.fromkeys(decision.error_types))
    values: dict[str, Any] = {"customer_id": decision.customer_id, "verdict": decision.verdict}
    events: list[Step] = []
    if not read_recorded:
        read_values, read_event = read_step(decision.invoice, decision.read_error)
        values.update(read_values)
        events.append(read_event)
    joined = ",".join(types) or None
    codes = [f.code for f in decision.findings]
    events.append(
        (
            "classified",
            {
                "verdict": decision.verdict,
                "customer": decision.customer_id,
                "error_types": joined,
                "findings": codes,
            },
        )
    )
    blocking = [f for f in decision.findings if f.blocks]
    state, intent = _finish(
        decision.verdict, decision.invoice, joined, blocking, posting, response, response_skipped, events
    )
    state = state or InvoiceState.CLASSIFIED
    if state == InvoiceState.RETURNED:
        values.update(invoice_response=response, outcome_pending=True)
    return Outcome(
        state,
        values,
        decision.findings,
        replace_findings=True,
        error_types=types,
        posting=intent,
        events=tuple(events),
    )


def carried_out(
    verdict: str,
    invoice: Invoice | None,
    *,
    error_types: str | None,
    blocking: Sequence[Finding],
    posting: Intent | None = None,
    response: bytes | None = None,
    response_skipped: str | None = None,
) -> Outcome:
    """A decision recorded earlier, carried out now: the posting intent (once), the return or the
    hold. ``posting`` None for a ``post`` verdict: the supplier is not in the vendor master (held,
    POST-NO-VENDOR); an unreadable invoice is held whatever the verdict."""
    if verdict == Verdict.POST and invoice is not None and posting is None:
        return held("POST-NO-VENDOR", robot_finding("POST-NO-VENDOR", supplier_key(invoice)))
    events: list[Step] = []
    state, intent = _finish(
        verdict, invoice, error_types, blocking, posting, response, response_skipped, events
    )
    if state == InvoiceState.RETURNED:
        return Outcome(
            state,
            {"invoice_response": response, "outcome_pending": True},
            events=tuple(events),
            step="returning",
        )
    step = "recording the posting intent" if intent is not None else "holding"
    return Outcome(state, posting=intent, events=tuple(events), step=step)


def held(reason: str, *findings: Finding) -> Outcome:
    """Held after the decision (the ERP refused the posting, the retries are spent), with why."""
    return Outcome(
        InvoiceState.HELD, findings=findings, events=(("held", {"reason": reason}),), step="holding"
    )


def _finish(
    verdict: str,
    invoice: Invoice | None,
    error_types: str | None,
    blocking: Sequence[Finding],
    posting: Intent | None,
    response: bytes | None,
    response_skipped: str | None,
    events: list[Step],
) -> tuple[str | None, Intent | None]:
    """The last step of a decision (appended to ``events``): the new state and the posting intent."""
    if verdict == Verdict.POST and invoice is not None:
        if posting is None:
            return None, None
        if not posting.recorded:
            events.append(("posting", {"key": posting.key, "ledger": posting.ledger}))
        return InvoiceState.CLASSIFIED, posting
    if verdict == Verdict.RETURN and invoice is not None:
        if response_skipped is not None:  # e.g. no party ids to address it: the e-mail still goes
            events.append(("invoice-response-skipped", {"error": response_skipped}))
        events.append(("returned", {"error_types": error_types}))
        return InvoiceState.RETURNED, None
    events.append(("held", {"reason": ",".join(f.code for f in blocking)}))
    return InvoiceState.HELD, None
