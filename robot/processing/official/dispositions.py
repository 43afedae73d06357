"""What the robot does with an official rule: its error type, disposition and Invoice Response codes.

A mirrored id takes its native rule's codes (the rule declares them and is reviewed with them). Any
other id, one the robot does not mirror or one a new artefact version brings, is decided by what
the rule is about, so it reaches the customer with a reason they can act on rather than "other":

1. a reviewed exception (:data:`OVERRIDES`), where the rule's text would mislead, and the syntax
   restrictions (:data:`SYNTAX`, UBL-CR-*, CII-SR-*, ...: which elements, how many), legal errors;
2. else, when the rule's text names business terms, the first that has an error type of its own
   (:data:`TERMS`: BT-10 the buyer reference → REF, BT-49 the buyer's electronic address → REC,
   BT-84 the payment account → PAY, BT-146 the net price → PRI, ...); a rule naming only others
   (totals, VAT, the seller's legal data) is a legal error;
3. else, a text naming no term, the first word of :data:`WORDS` it uses ("payment", "price", ...);
4. else a legal error (LEG): the document breaks the standard, the supplier sends a correct one.

Every such rule is returned (``RE``) with the action that fits its error type: a missing reference
can be supplied (PIN), anything else needs a new, correct invoice (NIN). A rule the artefact flags
as a warning stays a warning. ``python -m robot.processing.official.dispositions`` writes
``docs/dispositions.md``, every id of the official artefacts in ``../shared/corpora`` with its codes
and where they come from; a test keeps it current::

    >>> decide("BR-CO-99", "[BR-CO-99]-The Buyer reference (BT-10) must be given.").reason
    <Reason.REF: 'REF'>
    >>> decide("PEPPOL-X", "An IBAN must be stated for the payment account.").basis
    "word 'iban'"
    >>> decide("BR-99", "The document must be well formed.").reason
    <Reason.LEG: 'LEG'>
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifiers.finding import Disposition as Handling
from classifiers.registry import RuleSpec
from robot.codes import Action, Reason, Status


@dataclass(frozen=True, slots=True)
class Disposition:
    """The codes a failed official rule gets, and why (``basis``: the term, word or review)."""

    reason: Reason
    action: Action
    basis: str
    status: Status = Status.RE
    disposition: Handling = "return"


def _terms(reason: Reason, *ids: str) -> dict[str, Reason]:
    return dict.fromkeys(ids, reason)


#: business terms with an error type of their own (EN 16931 semantic model); reviewed. Terms not
#: here (totals, VAT, the seller's legal data, dates, ...) are legal errors.
TERMS: dict[str, Reason] = {
    **_terms(Reason.REF, "BT-10", "BT-11", "BT-12", "BT-13", "BT-14", "BT-15", "BT-16", "BT-17", "BT-18"),
    **_terms(Reason.REF, "BT-19", "BT-25", "BT-26", "BG-3", "BT-122", "BT-128", "BT-132", "BT-133"),
    **_terms(Reason.REC, "BT-46", "BT-49"),
    **_terms(Reason.FIN, "BT-5", "BT-6"),
    **_terms(Reason.PAY, "BT-9", "BT-20", "BG-16", "BG-17", "BG-18", "BG-19", "BT-81", "BT-82", "BT-83"),
    **_terms(Reason.PAY, "BT-84", "BT-85", "BT-86", "BT-87", "BT-88", "BT-89", "BT-90", "BT-91"),
    **_terms(Reason.PRI, "BT-146", "BT-147", "BT-148", "BT-149", "BT-150", "BG-29"),
    **_terms(Reason.QTY, "BT-129", "BT-130"),
    **_terms(Reason.ITM, "BT-153", "BT-154", "BT-155", "BT-156", "BT-157", "BT-158", "BT-159", "BG-31"),
    **_terms(Reason.DEL, "BG-13", "BG-15", "BT-70", "BT-71", "BT-72", "BT-75", "BT-76", "BT-77", "BT-80"),
}
#: words that say what a rule is about when it names no business term, in the order they are
#: tried; reviewed
WORDS: tuple[tuple[str, Reason], ...] = (
    ("buyer reference", Reason.REF),
    ("order reference", Reason.REF),
    ("purchase order", Reason.REF),
    ("currency", Reason.FIN),
    ("iban", Reason.PAY),
    ("payment", Reason.PAY),
    ("mandate", Reason.PAY),
    ("financial account", Reason.PAY),
    ("price", Reason.PRI),
    ("quantity", Reason.QTY),
    ("delivery", Reason.DEL),
)
#: reviewed exceptions: the text names a term, but the rule is about something else
OVERRIDES: dict[str, tuple[Reason, str]] = {
    "BR-CO-03": (Reason.LEG, "the VAT point date and its code are exclusive: a VAT rule"),
    "BR-CO-19": (Reason.LEG, "the invoicing period: a VAT rule"),
    "PEPPOL-EN16931-R053": (Reason.LEG, "the VAT totals' structure"),
    "PEPPOL-EN16931-R054": (Reason.LEG, "the VAT totals' structure"),
    "PEPPOL-EN16931-R055": (Reason.LEG, "the VAT totals' signs"),
}

#: reviewed: rule families that restrict the syntax (which elements, how many), whatever they name
SYNTAX = ("UBL-CR-", "UBL-SR-", "UBL-DT-", "CII-SR-", "CII-DT-")

_TERM = re.compile(r"\b(B[TG]-\d+)\b")
_ACTIONS = {Reason.REF: Action.PIN}


def decide(official_id: str, text: str) -> Disposition:
    """The codes for an official rule the robot does not mirror, from its id and its text."""
    if official_id in OVERRIDES:
        reason, why = OVERRIDES[official_id]
        return Disposition(reason, _ACTIONS.get(reason, Action.NIN), f"reviewed: {why}")
    if official_id.startswith(SYNTAX):
        return Disposition(Reason.LEG, Action.NIN, "reviewed: a syntax restriction")
    terms = _TERM.findall(text)
    for term in terms:
        if term in TERMS:
            reason = TERMS[term]
            return Disposition(reason, _ACTIONS.get(reason, Action.NIN), f"term {term}")
    if terms:
        return Disposition(Reason.LEG, Action.NIN, f"term {terms[0]}: a legal error")
    lowered = text.lower()
    for word, reason in WORDS:
        if word in lowered:
            return Disposition(reason, _ACTIONS.get(reason, Action.NIN), f"word {word!r}")
    return Disposition(Reason.LEG, Action.NIN, "default: a legal error")


def dispose(official_id: str, text: str, mirror: RuleSpec | None) -> Disposition:
    """The codes a failed official rule gets: its native mirror's when the robot has one (``basis``
    names it), else :func:`decide`'s."""
    if mirror is None:
        return decide(official_id, text)
    return Disposition(
        mirror.reason, mirror.action, f"native `{mirror.code}`", mirror.status, mirror.disposition
    )
