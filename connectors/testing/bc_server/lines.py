"""Document lines, totals and attachments of the Business Central test server (no HTTP, no locking).

A line is checked as BC checks it: a known line type, an existing G/L account, a known tax code;
its net is quantity × unit cost rounded to cents. Totals compute VAT per tax code on the
document's sum (BC's "VAT calculation by document")::

    >>> line = new_line({"lineObjectNumber": "4000", "quantity": "2", "unitCost": "10.005",
    ...                  "taxCode": "MOMS25"}, document_id="d1", sequence=10000,
    ...                 accounts=None, tax_rates={"MOMS25": Decimal("25")}, entity="purchaseInvoiceLine")
    >>> line["netAmount"], totals([line], {"MOMS25": Decimal("25")})
    (Decimal('20.01'), (Decimal('20.01'), Decimal('5.00')))
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.testing.bc_server.kinds import CENT, LINE_FIELDS
from connectors.testing.bc_server.odata import BcError, check_fields, decimal_field


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def new_line(
    body: Mapping[str, Any],
    *,
    document_id: str,
    sequence: int,
    accounts: set[str] | None,
    tax_rates: Mapping[str, Decimal],
    entity: str,
) -> dict[str, Any]:
    """A checked line for ``POST .../purchaseInvoiceLines`` (or ``purchaseCreditMemoLines``)."""
    check_fields(body, LINE_FIELDS, entity)
    line_type = body.get("lineType", "Account")
    if line_type not in ("Account", "Item", "Comment"):
        raise BcError(400, "BadRequest", f"'{line_type}' is not a valid value for lineType.")
    account = str(body.get("lineObjectNumber") or "")
    if line_type == "Account" and (not account or (accounts is not None and account not in accounts)):
        raise BcError(
            400,
            "Internal_RecordNotFound",
            f"The field No. of table Purchase Line contains a value ({account}) that cannot be "
            "found in the related table (G/L Account).",
        )
    tax_code = str(body.get("taxCode") or "")
    if tax_code not in tax_rates:
        raise BcError(
            400,
            "Internal_RecordNotFound",
            f"The field Tax Group Code of table Purchase Line contains a value ({tax_code}) "
            "that cannot be found in the related table (Tax Group).",
        )
    quantity = decimal_field(body, "quantity", "1")
    unit_cost = decimal_field(body, "unitCost", "0")
    return {
        "id": str(uuid.uuid4()),
        "documentId": document_id,
        "sequence": sequence,
        "lineType": line_type,
        "lineObjectNumber": account,
        "description": body.get("description", ""),
        "quantity": quantity,
        "unitCost": unit_cost,
        "taxCode": tax_code,
        "netAmount": (quantity * unit_cost).quantize(CENT, ROUND_HALF_UP),
        "taxPercent": tax_rates[tax_code],
        "_version": 1,
    }


def totals(lines: Iterable[Mapping[str, Any]], tax_rates: Mapping[str, Decimal]) -> tuple[Decimal, Decimal]:
    """(net, tax) of a document: VAT per tax code on the sum of its lines, rounded half up."""
    by_code: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_code[line["taxCode"]] += line["netAmount"]
    net = sum(by_code.values(), Decimal("0.00"))
    tax = sum(
        ((amount * tax_rates[code] / 100).quantize(CENT, ROUND_HALF_UP) for code, amount in by_code.items()),
        Decimal("0.00"),
    )
    return net, tax


def new_attachment(body: Mapping[str, Any], parent_id: str) -> dict[str, Any]:
    """An empty attachment for ``POST .../attachments {"fileName"}``; the content is PATCHed later."""
    check_fields(body, {"fileName", "parentId"}, "attachment")
    name = str(body.get("fileName") or "")
    if not name:
        raise BcError(400, "BadRequest", "fileName must have a value.")
    return {
        "id": str(uuid.uuid4()),
        "parentId": parent_id,
        "fileName": name,
        "byteSize": 0,
        "lastModifiedDateTime": now(),
        "_version": 1,
    }
