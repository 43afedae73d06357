"""The Business Central test server's data and business rules (no HTTP here).

Purchase invoices with lines and attachments, vendors, G/L accounts and tax codes, with the
refusals Business Central gives: unknown or blocked vendor, duplicate vendor invoice number,
unknown G/L account or tax code, missing mandatory dimension, nothing to post::

    >>> state = BcState(vendors={"K10001": "Kontorland A/S"})
    >>> inv = state.create_invoice({"vendorNumber": "K10001", "vendorInvoiceNumber": "F-1"})
    >>> inv["status"], inv["number"]
    ('Draft', '1001')

Errors are :class:`BcError` (status, code, message), rendered as BC's ``{"error": {...}}`` body.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.bc_testserver.odata import BcError, check_fields, decimal_field

CENT = Decimal("0.01")
DIMENSION_NAMES = {
    "shortcutDimension1Code": "Shortcut Dimension 1 Code",
    "shortcutDimension2Code": "Shortcut Dimension 2 Code",
}
HEADER_FIELDS = {
    "vendorNumber",
    "vendorInvoiceNumber",
    "invoiceDate",
    "postingDate",
    "dueDate",
    "currencyCode",
    "shortcutDimension1Code",
    "shortcutDimension2Code",
    "purchaser",
    "payToVendorNumber",
}
LINE_FIELDS = {"lineType", "lineObjectNumber", "description", "quantity", "unitCost", "taxCode"}
DEFAULT_TAX_RATES = {"MOMS25": Decimal("25"), "MOMSFRI": Decimal("0")}
CURRENCIES = {"", "DKK", "EUR", "SEK", "NOK", "USD", "GBP"}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class BcState:
    """One company's purchase invoices. Thread-safe; the accessors return copies for tests."""

    def __init__(
        self,
        *,
        vendors: Mapping[str, str] | None = None,
        blocked_vendors: Iterable[str] = (),
        accounts: Iterable[str] | None = None,
        tax_rates: Mapping[str, Decimal] | None = None,
        mandatory_dimensions: Iterable[str] = (),
    ) -> None:
        self.lock = threading.RLock()
        blocked = set(blocked_vendors)
        self.vendors = {
            number: {
                "id": str(uuid.uuid4()),
                "number": number,
                "displayName": name,
                "blocked": "All" if number in blocked else " ",
            }
            for number, name in (vendors or {}).items()
        }
        self.accounts = set(accounts) if accounts is not None else None
        self.tax_rates = dict(DEFAULT_TAX_RATES if tax_rates is None else tax_rates)
        self.mandatory_dimensions = tuple(mandatory_dimensions)
        self.invoices: dict[str, dict[str, Any]] = {}
        self.lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.attachments: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.contents: dict[str, bytes] = {}
        self.post_calls = 0
        self._draft_no, self._posted_no = 1000, 108000

    # -- accessors for tests -------------------------------------------------------------
    def snapshot(self) -> list[dict[str, Any]]:
        """Every purchase invoice with its lines and attachments (copies)."""
        with self.lock:
            return [
                {
                    **inv,
                    "lines": [dict(x) for x in self.lines[inv["id"]]],
                    "attachments": [dict(a) for a in self.attachments[inv["id"]]],
                }
                for inv in self.invoices.values()
            ]

    def posted(self) -> list[dict[str, Any]]:
        return [inv for inv in self.snapshot() if inv["status"] != "Draft"]

    # -- purchase invoices ---------------------------------------------------------------
    def invoice(self, invoice_id: str) -> dict[str, Any]:
        inv = self.invoices.get(invoice_id)
        if inv is None:
            raise BcError(404, "BadRequest_NotFound", "The Purchase Invoice does not exist.")
        return inv

    def create_invoice(self, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, HEADER_FIELDS, "purchaseInvoice")
        with self.lock:
            number = str(body.get("vendorNumber") or "")
            vendor = self.vendors.get(number)
            if vendor is None:
                raise BcError(
                    400,
                    "Internal_RecordNotFound",
                    f"The Vendor does not exist. Identification fields and values: No.='{number}'",
                )
            if vendor["blocked"].strip():
                raise BcError(
                    400,
                    "Application_DialogException",
                    f"You cannot create this type of document when Vendor {number} is blocked "
                    f"with type {vendor['blocked']}",
                )
            vin = str(body.get("vendorInvoiceNumber") or "")
            for other in self.invoices.values():
                if vin and other["vendorNumber"] == number and other["vendorInvoiceNumber"] == vin:
                    raise BcError(
                        409,
                        "Internal_EntityWithSameKeyExists",
                        f"Purchase Invoice {other['number']} already has Vendor Invoice No. {vin} "
                        f"for vendor {number}.",
                    )
            currency = str(body.get("currencyCode", ""))
            if currency not in CURRENCIES:
                raise BcError(
                    400, "Internal_RecordNotFound", f"The Currency does not exist. Code='{currency}'"
                )
            self._draft_no += 1
            inv: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "number": str(self._draft_no),
                "vendorId": vendor["id"],
                "vendorNumber": number,
                "vendorName": vendor["displayName"],
                "vendorInvoiceNumber": vin,
                "invoiceDate": body.get("invoiceDate") or date.today().isoformat(),
                "postingDate": body.get("postingDate") or date.today().isoformat(),
                "dueDate": body.get("dueDate") or body.get("invoiceDate") or date.today().isoformat(),
                "currencyCode": currency,
                "shortcutDimension1Code": body.get("shortcutDimension1Code", ""),
                "shortcutDimension2Code": body.get("shortcutDimension2Code", ""),
                "status": "Draft",
                "totalAmountExcludingTax": Decimal("0.00"),
                "totalTaxAmount": Decimal("0.00"),
                "totalAmountIncludingTax": Decimal("0.00"),
                "lastModifiedDateTime": _now(),
                "_version": 1,
            }
            self.invoices[inv["id"]] = inv
            return inv

    def update_invoice(self, invoice_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, HEADER_FIELDS - {"vendorNumber"}, "purchaseInvoice")
        with self.lock:
            inv = self._draft(invoice_id)
            inv.update(body)
            self._touch(inv)
            return inv

    def delete_invoice(self, invoice_id: str) -> None:
        with self.lock:
            self._draft(invoice_id)
            del self.invoices[invoice_id]
            self.lines.pop(invoice_id, None)
            self.attachments.pop(invoice_id, None)

    def _draft(self, invoice_id: str) -> dict[str, Any]:
        inv = self.invoice(invoice_id)
        if inv["status"] != "Draft":
            raise BcError(
                400,
                "Application_DialogException",
                f"Purchase Invoice {inv['number']} is posted and cannot be changed.",
            )
        return inv

    def _touch(self, inv: dict[str, Any]) -> None:
        inv["_version"] += 1
        inv["lastModifiedDateTime"] = _now()

    # -- lines ---------------------------------------------------------------------------
    def add_line(self, invoice_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, LINE_FIELDS, "purchaseInvoiceLine")
        with self.lock:
            inv = self._draft(invoice_id)
            line_type = body.get("lineType", "Account")
            if line_type not in ("Account", "Item", "Comment"):
                raise BcError(400, "BadRequest", f"'{line_type}' is not a valid value for lineType.")
            account = str(body.get("lineObjectNumber") or "")
            if line_type == "Account" and (
                not account or (self.accounts is not None and account not in self.accounts)
            ):
                raise BcError(
                    400,
                    "Internal_RecordNotFound",
                    f"The field No. of table Purchase Line contains a value ({account}) that cannot be "
                    "found in the related table (G/L Account).",
                )
            tax_code = str(body.get("taxCode") or "")
            if tax_code not in self.tax_rates:
                raise BcError(
                    400,
                    "Internal_RecordNotFound",
                    f"The field Tax Group Code of table Purchase Line contains a value ({tax_code}) "
                    "that cannot be found in the related table (Tax Group).",
                )
            quantity = decimal_field(body, "quantity", "1")
            unit_cost = decimal_field(body, "unitCost", "0")
            net = (quantity * unit_cost).quantize(CENT, ROUND_HALF_UP)
            lines = self.lines[invoice_id]
            line = {
                "id": str(uuid.uuid4()),
                "documentId": invoice_id,
                "sequence": 10000 * (len(lines) + 1),
                "lineType": line_type,
                "lineObjectNumber": account,
                "description": body.get("description", ""),
                "quantity": quantity,
                "unitCost": unit_cost,
                "taxCode": tax_code,
                "netAmount": net,
                "taxPercent": self.tax_rates[tax_code],
                "_version": 1,
            }
            lines.append(line)
            self._recalculate(inv)
            return line

    def _recalculate(self, inv: dict[str, Any]) -> None:
        """Totals; VAT per tax code on the document's sum (like 'VAT calculation by document')."""
        by_code: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines[inv["id"]]:
            by_code[line["taxCode"]] += line["netAmount"]
        net = sum(by_code.values(), Decimal("0.00"))
        tax = sum(
            (
                (amount * self.tax_rates[code] / 100).quantize(CENT, ROUND_HALF_UP)
                for code, amount in by_code.items()
            ),
            Decimal("0.00"),
        )
        inv.update(totalAmountExcludingTax=net, totalTaxAmount=tax, totalAmountIncludingTax=net + tax)
        self._touch(inv)

    # -- attachments ---------------------------------------------------------------------
    def add_attachment(self, invoice_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, {"fileName", "parentId"}, "attachment")
        with self.lock:
            self.invoice(invoice_id)
            name = str(body.get("fileName") or "")
            if not name:
                raise BcError(400, "BadRequest", "fileName must have a value.")
            att = {
                "id": str(uuid.uuid4()),
                "parentId": invoice_id,
                "fileName": name,
                "byteSize": 0,
                "lastModifiedDateTime": _now(),
                "_version": 1,
            }
            self.attachments[invoice_id].append(att)
            return att

    def attachment(self, invoice_id: str, attachment_id: str) -> dict[str, Any]:
        for att in self.attachments.get(invoice_id, []):
            if att["id"] == attachment_id:
                return att
        raise BcError(404, "BadRequest_NotFound", "The attachment does not exist.")

    def set_content(self, att: dict[str, Any], content: bytes) -> None:
        with self.lock:
            self.contents[att["id"]] = content
            att["byteSize"] = len(content)
            att["_version"] += 1
            att["lastModifiedDateTime"] = _now()

    # -- posting -------------------------------------------------------------------------
    def post_invoice(self, invoice_id: str) -> None:
        with self.lock:
            self.post_calls += 1
            inv = self._draft(invoice_id)
            if not self.lines[invoice_id]:
                raise BcError(400, "Application_DialogException", "There is nothing to post.")
            for dim in self.mandatory_dimensions:
                if not inv.get(dim):
                    raise BcError(
                        400,
                        "Application_DialogException",
                        f"{DIMENSION_NAMES.get(dim, dim)} must have a value in Purchase Header: "
                        f"Document Type=Invoice, No.={inv['number']}. It cannot be zero or empty.",
                    )
            self._posted_no += 1
            inv.update(status="Open", number=str(self._posted_no), draftNumber=inv["number"])
            self._touch(inv)
