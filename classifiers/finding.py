"""What a rule returns: a :class:`Finding` (one business problem, data, not an exception), the
verdict its findings give an invoice, and the check of the codes a finding may carry.

    >>> from robot.codes import Action, Reason, Status
    >>> f = Finding("X", (), "error", "hold", Status.UQ, Reason.OTH, Action.NOA, None, "da", "en")
    >>> f.blocks, verdict_of([f]).value, verdict_of([]).value
    (True, 'hold', 'post')
    >>> code_problems(reason="NOPE", severity="warning")[0].startswith("reason 'NOPE' is not")
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from robot.codes import Action, Reason, Status, Verdict, allowed

Disposition = Literal["return", "hold"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One business problem with an invoice: data, not an exception."""

    code: str
    official_ids: tuple[str, ...]
    severity: Severity
    disposition: Disposition
    status: Status  # Invoice Response status (UNCL4343 subset: RE, UQ, ...)
    reason: Reason  # OPStatusReason (REF, LEG, REC, PRI, QTY, PAY, OTH, ...)
    action: Action  # OPStatusAction (NOA, PIN, NIN, CNF, CNP, CNA, OTH)
    field: str | None  # the BT id of the wrong field, e.g. "BT-13"
    message_da: str
    message_en: str
    found: str | None = None  # what the invoice has: English, or neutral (an id, a code)
    expected: str | None = None  # what it should have: English, or neutral
    line_id: str | None = None
    found_da: str | None = None  # ``found`` in Danish, when it differs (see classifiers.texts)
    expected_da: str | None = None  # ``expected`` in Danish, when it differs

    def __post_init__(self) -> None:
        # a code string (from the store, a test) becomes its member; a mistyped one is refused
        # here (robot.codes.UnknownCodeError), so it can never reach a notice as "OTH"
        object.__setattr__(self, "status", Status.of(self.status))
        object.__setattr__(self, "reason", Reason.of(self.reason))
        object.__setattr__(self, "action", Action.of(self.action))

    @property
    def blocks(self) -> bool:
        """Warnings are reported but never stop an invoice."""
        return self.severity == "error"

    def found_in(self, lang: Literal["da", "en"]) -> str | None:
        """``found`` as the Danish or the English part of a notice shows it."""
        return (self.found_da or self.found) if lang == "da" else self.found

    def expected_in(self, lang: Literal["da", "en"]) -> str | None:
        """``expected`` as the Danish or the English part of a notice shows it."""
        return (self.expected_da or self.expected) if lang == "da" else self.expected

    def to_json(self) -> dict[str, Any]:
        """Every field in order, ``official_ids`` as a list; ``found``/``expected`` in English or
        neutral (their Danish twins, see :data:`DANISH_TWINS`, stay out as they always have)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _TWINS}
        data["official_ids"] = list(self.official_ids)
        return data


#: ``found``/``expected`` → the field with its Danish rendering (stored beside it, robot.processing.findings)
DANISH_TWINS: dict[str, str] = {"found": "found_da", "expected": "expected_da"}
_TWINS = frozenset(DANISH_TWINS.values())


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    """No blocking findings → post. Any blocking hold → hold. Otherwise return."""
    blocking = [f for f in findings if f.blocks]
    if not blocking:
        return Verdict.POST
    if any(f.disposition == "hold" for f in blocking):
        return Verdict.HOLD
    return Verdict.RETURN


def hold_finding(
    code: str,
    status: str,
    reason: str,
    action: str,
    field: str | None,
    da: str,
    en: str,
    found: str | None,
) -> Finding:
    """A finding no rule judged: the robot holds the invoice for the creditor team (a rule that
    crashed, a document it cannot read, an ERP refusal), claiming no official rule::

        >>> hold_finding("X", "UQ", "OTH", "NOA", None, "da", "en", "x").disposition
        'hold'
    """
    return Finding(
        code=code,
        official_ids=(),
        severity="error",
        disposition="hold",
        status=Status.of(status),
        reason=Reason.of(reason),
        action=Action.of(action),
        field=field,
        message_da=da,
        message_en=en,
        found=found,
    )


class RuleDefinitionError(ValueError):
    """A rule uses a status, reason or action outside the Invoice Response code lists (or a made-up
    disposition or severity): refused when the rule is registered, i.e. when its module is imported."""


_CODE_LISTS: dict[str, tuple[frozenset[str], str]] = {
    "status": (frozenset(Status), Status.describe()),
    "reason": (frozenset(Reason), Reason.describe()),
    "action": (frozenset(Action), Action.describe()),
    "disposition": (frozenset({"return", "hold"}), "a disposition"),
    "severity": (frozenset({"error", "warning"}), "a severity"),
}


def code_problems(**values: str | None) -> list[str]:
    """What is wrong with the codes given (``None`` = not given), naming the allowed codes: the
    check of ``@rule`` (classifiers.registry) and of ``ctx.finding`` (classifiers.context)."""
    return [
        f"{name} {value!r} is not {_CODE_LISTS[name][1]}; allowed: {allowed(_CODE_LISTS[name][0])}"
        for name, value in values.items()
        if value is not None and value not in _CODE_LISTS[name][0]
    ]
