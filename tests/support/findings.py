"""Findings for tests of what the robot does with them (notices, Invoice Responses, code checks)."""

from __future__ import annotations

from typing import Any

from classifiers.api import Finding


def returned_finding(code: str, *, field: str | None, **changes: Any) -> Finding:
    """A finding of ``code`` on ``field`` that returns the invoice: an error, RE / OTH / NIN, no
    official ids, a short message in Danish and English; ``changes`` (any other field) on top."""
    values: dict[str, Any] = {
        "code": code,
        "official_ids": (),
        "severity": "error",
        "disposition": "return",
        "status": "RE",
        "reason": "OTH",
        "action": "NIN",
        "field": field,
        "message_da": "Fejl",
        "message_en": "Problem",
        **changes,
    }
    return Finding(**values)
