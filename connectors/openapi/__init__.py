"""The purchase-system API contract (OpenAPI 3.1), shipped as package data.

>>> spec = load_purchase_spec()
>>> sorted(spec["paths"])[0]
'/api/v1/invoices'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PURCHASE_SPEC = Path(__file__).with_name("purchase-system.yaml")


def load_purchase_spec() -> dict[str, Any]:
    """The parsed OpenAPI document of the purchase-system API."""
    data: dict[str, Any] = yaml.safe_load(PURCHASE_SPEC.read_text(encoding="utf-8"))
    return data
