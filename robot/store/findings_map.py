"""How a :class:`~classifiers.api.Finding` is stored: one ``findings`` row per finding, a column per
field of the dataclass (derived from it, so a new field cannot be forgotten), ``official_ids``
comma-joined, and ``found``/``expected`` keeping their Danish rendering beside the English in the
same column. The one mapping between the rule API and the store: :func:`finding_values` writes a
row, :func:`from_row` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from classifiers.api import DANISH_TWINS, Finding

if TYPE_CHECKING:
    from robot.store.schema import FindingRow


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
        >>> from robot.processing.findings import manual_return
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
