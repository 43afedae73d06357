"""What the hold queue and the invoice page ask the same way of a decision's form.

A return needs a reason code a person may return with and the customer's text in Danish; both
pages read those fields (:class:`ReturnFields`), check them here before anything is decided, and
offer the same reason codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Form

from robot.codes import RETURN_REASONS
from robot.processing import manual

if TYPE_CHECKING:
    from collections.abc import Callable

    from robot.codes import Reason

#: the reason codes a form offers: (code, Danish label, English label)
REASON_CHOICES: list[tuple[str, str, str]] = [(r.value, r.da, r.en) for r in RETURN_REASONS]


@dataclass(frozen=True, slots=True)
class ReturnFields:
    """A return's fields of a decision's form, read by a route as ``fields: ReturnFields = Depends()``."""

    code: str = Form("OTH")
    reason_da: str = Form("")
    reason_en: str = Form("")


def return_form(fields: ReturnFields, _: Callable[[str, str], str]) -> tuple[Reason | None, str]:
    """The reason of a return's form, or (None, why not): an unknown code, no Danish text."""
    try:
        reason = manual.return_reason(fields.code)
    except ValueError as exc:
        return None, str(exc)
    if not fields.reason_da.strip():
        return None, _(
            "Skriv begrundelsen til kunden (på dansk).", "Write the reason for the customer (in Danish)."
        )
    return reason, ""
