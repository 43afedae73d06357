"""The Business Central test server's data and business rules (no HTTP here).

Purchase invoices and purchase credit memos (each a :class:`~connectors.testing.bc_server.kinds.Kind`)
with lines and attachments, vendors, G/L accounts and tax codes, with the refusals Business
Central gives: unknown or blocked vendor, the vendor's document number used twice for the same
vendor and document type (in the same year of the document date; in any year when
``same_number_in_another_year`` is off, as in BC without the "Same Ext. Doc. No. in Diff. FY"
setting), unknown G/L account or tax code, missing mandatory dimension, nothing to post, a negative
total::

    >>> state = BcState(vendors={"K10001": "Kontorland A/S"})
    >>> inv = state.create(INVOICE, {"vendorNumber": "K10001", "vendorInvoiceNumber": "F-1"})
    >>> inv["status"], inv["number"]
    ('Draft', '1001')
    >>> cm = state.create(CREDIT_MEMO, {"vendorNumber": "K10001", "vendorCreditMemoNumber": "F-1"})
    >>> cm["number"], state.posted()
    ('1001', [])

Errors are :class:`BcError` (status, code, message), rendered as BC's ``{"error": {...}}`` body.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.testing.bc_server.kinds import (
    CREDIT_MEMO,
    CURRENCIES,
    DEFAULT_TAX_RATES,
    DIMENSION_NAMES,
    INVOICE,
    KINDS,
    Kind,
)
from connectors.testing.bc_server.lines import new_attachment, new_line, now, totals
from connectors.testing.bc_server.odata import BcError, check_fields

__all__ = ["CREDIT_MEMO", "INVOICE", "BcState"]


class BcState:
    """One company's purchase documents. Thread-safe; the accessors return copies for tests."""

    def __init__(
        self,
        *,
        vendors: Mapping[str, str] | None = None,
        blocked_vendors: Iterable[str] = (),
        accounts: Iterable[str] | None = None,
        tax_rates: Mapping[str, Decimal] | None = None,
        mandatory_dimensions: Iterable[str] = (),
        same_number_in_another_year: bool = True,
    ) -> None:
        self.lock = threading.RLock()
        self.same_number_in_another_year = same_number_in_another_year
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
        self.documents: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in KINDS}
        self.lines: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by document id
        self.attachments: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.contents: dict[str, bytes] = {}
        self.post_calls = 0
        self._draft_no = dict.fromkeys(KINDS, 1000)
        self._posted_no = {name: kind.first_posted for name, kind in KINDS.items()}

    # -- accessors for tests -------------------------------------------------------------
    @property
    def invoices(self) -> dict[str, dict[str, Any]]:
        return self.documents[INVOICE.entity_set]

    @property
    def credit_memos(self) -> dict[str, dict[str, Any]]:
        return self.documents[CREDIT_MEMO.entity_set]

    def snapshot(self, document_type: str | None = None) -> list[dict[str, Any]]:
        """Every document (``documentType`` ``invoice`` or ``credit_memo``) with lines and attachments.

        ``document_type`` keeps only that type. Copies: changing them changes nothing here.
        """
        with self.lock:
            return [
                {
                    **doc,
                    "documentType": kind.document_type,
                    "lines": [dict(x) for x in self.lines[doc["id"]]],
                    "attachments": [dict(a) for a in self.attachments[doc["id"]]],
                }
                for kind in KINDS.values()
                if document_type in (None, kind.document_type)
                for doc in self.documents[kind.entity_set].values()
            ]

    def posted(self, document_type: str | None = None) -> list[dict[str, Any]]:
        """Posted invoices and credit memos (or only ``document_type``), as :meth:`snapshot`."""
        return [doc for doc in self.snapshot(document_type) if doc["status"] != "Draft"]

    def posted_credit_memos(self) -> list[dict[str, Any]]:
        return self.posted(CREDIT_MEMO.document_type)

    # -- documents -----------------------------------------------------------------------
    def document(self, kind: Kind, document_id: str) -> dict[str, Any]:
        doc = self.documents[kind.entity_set].get(document_id)
        if doc is None:
            raise BcError(404, "BadRequest_NotFound", f"The {kind.label} does not exist.")
        return doc

    def _vendor(self, kind: Kind, number: str) -> dict[str, Any]:
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
        return vendor

    def create(self, kind: Kind, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, set(kind.header_fields), kind.entity)
        with self.lock:
            number = str(body.get("vendorNumber") or "")
            vendor = self._vendor(kind, number)
            own = str(body.get(kind.number_field) or "")
            today = date.today().isoformat()
            dated = str(body.get(kind.date_field) or today)
            for other in self.documents[kind.entity_set].values():
                if own and other["vendorNumber"] == number and other[kind.number_field] == own:
                    if self.same_number_in_another_year and str(other[kind.date_field])[:4] != dated[:4]:
                        continue  # "Same Ext. Doc. No. in Diff. FY": another year's document
                    raise BcError(
                        409,
                        "Internal_EntityWithSameKeyExists",
                        f"{kind.label} {other['number']} already has {kind.number_label} {own} "
                        f"for vendor {number}.",
                    )
            currency = str(body.get("currencyCode", ""))
            if currency not in CURRENCIES:
                raise BcError(
                    400, "Internal_RecordNotFound", f"The Currency does not exist. Code='{currency}'"
                )
            self._draft_no[kind.entity_set] += 1
            doc: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "number": str(self._draft_no[kind.entity_set]),
                "vendorId": vendor["id"],
                "vendorNumber": number,
                "vendorName": vendor["displayName"],
                kind.number_field: own,
                kind.date_field: dated,
                "postingDate": body.get("postingDate") or today,
                "dueDate": body.get("dueDate") or body.get(kind.date_field) or today,
                "currencyCode": currency,
                "shortcutDimension1Code": body.get("shortcutDimension1Code", ""),
                "shortcutDimension2Code": body.get("shortcutDimension2Code", ""),
                "status": "Draft",
                "totalAmountExcludingTax": Decimal("0.00"),
                "totalTaxAmount": Decimal("0.00"),
                "totalAmountIncludingTax": Decimal("0.00"),
                "lastModifiedDateTime": now(),
                "_version": 1,
            }
            self.documents[kind.entity_set][doc["id"]] = doc
            return doc

    def update(self, kind: Kind, document_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, set(kind.header_fields - {"vendorNumber"}), kind.entity)
        with self.lock:
            doc = self._draft(kind, document_id)
            doc.update(body)
            self._touch(doc)
            return doc

    def delete(self, kind: Kind, document_id: str) -> None:
        with self.lock:
            self._draft(kind, document_id)
            del self.documents[kind.entity_set][document_id]
            self.lines.pop(document_id, None)
            self.attachments.pop(document_id, None)

    def _draft(self, kind: Kind, document_id: str) -> dict[str, Any]:
        doc = self.document(kind, document_id)
        if doc["status"] != "Draft":
            raise BcError(
                400,
                "Application_DialogException",
                f"{kind.label} {doc['number']} is posted and cannot be changed.",
            )
        return doc

    @staticmethod
    def _touch(doc: dict[str, Any]) -> None:
        doc["_version"] += 1
        doc["lastModifiedDateTime"] = now()

    # -- lines and attachments -----------------------------------------------------------
    def add_line(self, kind: Kind, document_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            doc = self._draft(kind, document_id)
            lines = self.lines[document_id]
            line = new_line(
                body,
                document_id=document_id,
                sequence=10000 * (len(lines) + 1),
                accounts=self.accounts,
                tax_rates=self.tax_rates,
                entity=kind.line_entity,
            )
            lines.append(line)
            net, tax = totals(lines, self.tax_rates)
            doc.update(totalAmountExcludingTax=net, totalTaxAmount=tax, totalAmountIncludingTax=net + tax)
            self._touch(doc)
            return line

    def add_attachment(self, kind: Kind, document_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.document(kind, document_id)
            att = new_attachment(body, document_id)
            self.attachments[document_id].append(att)
            return att

    def attachment(self, kind: Kind, document_id: str, attachment_id: str) -> dict[str, Any]:
        self.document(kind, document_id)
        for att in self.attachments.get(document_id, []):
            if att["id"] == attachment_id:
                return att
        raise BcError(404, "BadRequest_NotFound", "The attachment does not exist.")

    def set_content(self, att: dict[str, Any], content: bytes) -> None:
        with self.lock:
            self.contents[att["id"]] = content
            att["byteSize"] = len(content)
            att["_version"] += 1
            att["lastModifiedDateTime"] = now()

    # -- posting -------------------------------------------------------------------------
    def post(self, kind: Kind, document_id: str) -> None:
        with self.lock:
            self.post_calls += 1
            doc = self._draft(kind, document_id)
            if not self.lines[document_id]:
                raise BcError(400, "Application_DialogException", "There is nothing to post.")
            for dim in self.mandatory_dimensions:
                if not doc.get(dim):
                    raise BcError(
                        400,
                        "Application_DialogException",
                        f"{DIMENSION_NAMES.get(dim, dim)} must have a value in Purchase Header: "
                        f"Document Type={kind.bc_document_type}, No.={doc['number']}. "
                        "It cannot be zero or empty.",
                    )
            if doc["totalAmountIncludingTax"] < 0:
                raise BcError(
                    400,
                    "Application_DialogException",
                    f"The total amount for the {kind.bc_document_type.lower()} must be 0 or greater.",
                )
            self._posted_no[kind.entity_set] += 1
            doc.update(status="Open", number=str(self._posted_no[kind.entity_set]), draftNumber=doc["number"])
            self._touch(doc)
