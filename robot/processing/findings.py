"""Findings the robot itself raises (not rules): unreadable documents, ERP refusals, retries spent.

They hold the invoice for the creditor team and say why in Danish and English::

    >>> robot_finding("POST-REFUSED", "Dimension AFDELING mangler").disposition
    'hold'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from classifiers.api import DANISH_TWINS, Finding
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
    return Finding(
        code=code,
        official_ids=(),
        severity="error",
        disposition="hold",
        status=Status.of(status),
        reason=Reason.of(reason),
        action=Action.of(action),
        field=field,
        message_da=da.format(detail),
        message_en=en.format(detail),
        found=detail,
    )


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


def _pack(text: str | None, danish: str | None) -> str | None:
    """A ``found``/``expected`` column: the text itself, or ``{"en": ..., "da": ...}`` in JSON
    when it has a Danish rendering of its own (or could be mistaken for such an object)."""
    if danish is None and not (text or "").startswith("{"):
        return text
    return json.dumps({"en": text, "da": danish}, ensure_ascii=False)


def _unpack(column: str | None) -> tuple[str | None, str | None]:
    """``(text, Danish text)`` of a column written by :func:`_pack` (or before it existed)."""
    if not column or not column.startswith("{"):
        return column, None
    try:
        value = json.loads(column)
    except ValueError:
        return column, None
    if not isinstance(value, dict) or set(value) != {"en", "da"}:
        return column, None
    en, da = value["en"], value["da"]
    return (en if isinstance(en, str) else None), (da if isinstance(da, str) else None)


#: the columns of a stored finding (besides its id and invoice), one per field of :class:`Finding`
#: in its order; each Danish twin shares its English field's column (see :func:`_pack`)
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Finding) if f.name not in DANISH_TWINS.values())


def finding_values(invoice_id: int, f: Finding) -> dict[str, Any]:
    """The column values of one stored finding.

    ``found`` and ``expected`` keep their Danish rendering, when there is one, beside the
    English in the same column (see :func:`_pack`)::

        >>> from dataclasses import replace
        >>> f = replace(manual_return("PAY", "a", "b"), expected="at most 9", expected_da="højst 9")
        >>> row = finding_values(1, f)
        >>> row["expected"]
        '{"en": "at most 9", "da": "højst 9"}'
        >>> from robot.store.schema import FindingRow
        >>> from_rows([FindingRow(**row)])[0] == f
        True
    """
    values = {name: getattr(f, name) for name in COLUMNS}
    values["official_ids"] = ",".join(f.official_ids)
    for column, danish in DANISH_TWINS.items():
        values[column] = _pack(values[column], getattr(f, danish))
    return {"invoice_id": invoice_id, **values}


def from_rows(rows: Iterable[FindingRow]) -> list[Finding]:
    """Findings as stored, back as :class:`Finding` values."""
    return [from_row(r) for r in rows]


def from_row(r: FindingRow) -> Finding:
    """One stored finding back as a :class:`Finding` (the inverse of :func:`finding_values`)."""
    values: dict[str, Any] = {name: getattr(r, name) for name in COLUMNS}
    values["official_ids"] = tuple(i for i in r.official_ids.split(",") if i)
    values["severity"] = "warning" if r.severity == "warning" else "error"
    values["disposition"] = "hold" if r.disposition == "hold" else "return"
    for column, danish in DANISH_TWINS.items():
        values[column], values[danish] = _unpack(values[column])
    return Finding(**values)
