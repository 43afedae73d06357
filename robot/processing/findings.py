"""Findings the robot itself raises (not rules): unreadable documents, ERP refusals, retries spent.

They hold the invoice for the creditor team and say why in Danish and English::

    >>> robot_finding("POST-REFUSED", "Dimension AFDELING mangler").disposition
    'hold'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from classifiers.api import Finding
from classifiers.finding import hold_finding
from robot.codes import Action, Reason, Status

if TYPE_CHECKING:
    from robot.store.schema import FindingRow

MANUAL_RETURN = "MANUAL-RETURN"

#: code → (status, reason, action, field, Danish text, English text); ``{}`` is the detail.
ROBOT_FINDINGS: dict[str, tuple[str, str, str, str | None, str, str]] = {
    "READ-ERROR": (
        "UQ",
        "UNR",
        "NIN",
        None,
        "Dokumentet kan ikke læses som en faktura eller kreditnota: {}",
        "The document cannot be read as an invoice or credit note: {}",
    ),
    "POST-NO-VENDOR": (
        "UQ",
        "OTH",
        "NOA",
        "BT-30",
        "Leverandøren ({}) findes ikke i kreditorstamdata; fakturaen kan ikke bogføres.",
        "The supplier ({}) is not in the vendor master; the invoice cannot be posted.",
    ),
    "POST-REFUSED": (
        "UQ",
        "OTH",
        "NOA",
        None,
        "ERP-systemet afviste bogføringen: {}",
        "The ERP refused the posting: {}",
    ),
    "ROBOT-RETRIES-EXHAUSTED": (
        "UQ",
        "OTH",
        "NOA",
        None,
        "Robotten kunne ikke færdiggøre fakturaen efter gentagne forsøg ({}); den skal behandles manuelt.",
        "The robot could not finish the invoice after repeated attempts ({}); it needs manual handling.",
    ),
}


def robot_finding(code: str, detail: str) -> Finding:
    status, reason, action, field, da, en = ROBOT_FINDINGS[code]
    return hold_finding(code, status, reason, action, field, da.format(detail), en.format(detail), detail)


def manual_return(reason_code: str, da: str, en: str, by: str | None = None) -> Finding:
    """The finding a person adds when returning a held invoice by hand (the notice quotes it).

    It speaks for the creditor team, never for the person: who decided (``by``) is recorded in
    the invoice's journey by the decision itself, and never reaches the customer's notice or the
    supplier's Invoice Response::

        >>> manual_return("REF", "Ordrenummer mangler", "Order number missing", "Anna K").found is None
        True
    """
    del by  # the journey has the name (robot.store.holds); the finding must not
    return Finding(
        code=MANUAL_RETURN,
        official_ids=(),
        severity="error",
        disposition="return",
        status=Status.RE,
        reason=Reason.of(reason_code),
        action=Action.NIN,
        field=None,
        message_da=f"Kreditorteamet returnerer fakturaen: {da}",
        message_en=f"The creditor team returns the invoice: {en}",
    )


def from_rows(rows: Iterable[FindingRow]) -> list[Finding]:
    """Findings as stored, back as :class:`Finding` values (the store's mapping,
    :func:`robot.store.findings_map.from_rows`, loaded when first used: deciding an invoice does
    not load the store)."""
    from robot.store.findings_map import from_rows as stored

    return stored(rows)
