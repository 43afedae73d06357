"""A Business Central API v2.0-style ERP as a :class:`connectors.base.Ledger` (Navision's successor).

Invoices become ``purchaseInvoices``, credit notes ``purchaseCreditMemos`` (see
:mod:`connectors.business_central_mapping`); both go the same way. ``post()`` is idempotent: it
looks the document up first by the robot's identity of the invoice, the one its idempotency key
holds: the vendor, the vendor's number for it (``vendorInvoiceNumber`` or ``vendorCreditMemoNumber``)
and the year of its date (``invoiceDate`` or ``creditMemoDate``). A document of another year with
the same number is another invoice, so this one is posted too; one of the same identity whose date,
currency or amount differs is not taken for ours: :class:`~robot.errors.LedgerConflict` names both
and the invoice is held. It resumes an unposted draft left by a crashed attempt (adds only the
missing lines and the attachment), and posts it; a posted document is returned as is. Transient
failures (timeouts, 429 honouring ``Retry-After``, 5xx) restart the whole step with exponential
back-off; when the attempts run out :class:`~robot.errors.TransientError` tells the robot to try
again on a later run. Business refusals
(400/409/422) raise :class:`~robot.errors.BusinessError` carrying the ERP's message::

    settings = Settings.model_validate({
        "base_url": "http://127.0.0.1:8001/api/v2.0", "company_id": "7f9e…",
        "auth": {"type": "bearer", "token_env": "FAKTURAROBOT_BC_TOKEN"},
        "customers": {"UNI": {"default_account": "4000", "shortcut_dimension_1_code": "ADM"}}})
    ledger = BusinessCentralLedger.from_settings(settings, Path("."))
    ledger.post(posting)
    # → '108001'

The original document is attached with BC's two-step ``attachments`` shape: ``POST
purchaseInvoices({id})/attachments {"fileName"}`` then ``PATCH .../attachments({aid})/attachmentContent``
with ``If-Match`` (``purchaseCreditMemos({id})/...`` alike). Before posting, the ERP's totals must
equal the posting's (VAT per rate). The settings (auth, accounts, tax codes, timeouts) are
:mod:`connectors.business_central_settings`, importable from here too.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from loguru import logger

from connectors.base import Ledger, Posting, differences, ledger_conflict
from connectors.business_central_client import (
    BcBusinessError,
    BcClient,
    BearerToken,
    OAuth2ClientCredentials,
    StaticBearer,
)
from connectors.business_central_mapping import (
    DocumentKind,
    Plan,
    document_kind,
    line_key,
    plan_posting,
)
from connectors.business_central_settings import (
    VAT_TOLERANCE,
    BearerAuth,
    BusinessCentralSettings,
    OAuth2Auth,
    secret_of,
)
from connectors.http_retry import RetryPolicy
from robot.errors import BusinessError

__all__ = [
    "VAT_TOLERANCE",
    "BearerAuth",
    "BusinessCentralLedger",
    "BusinessCentralSettings",
    "OAuth2Auth",
    "Settings",
]

Settings = BusinessCentralSettings  # the short name the docs and tests use


class BusinessCentralLedger(Ledger):
    """Posts purchase invoices and credit memos to one BC company. ``post`` returns the posted number."""

    name = "business-central"
    Settings = BusinessCentralSettings

    def __init__(
        self, settings: BusinessCentralSettings, *, secret: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        """``secret`` is the bearer token or the OAuth2 client secret, per ``settings.auth``."""
        self.settings = settings
        self.retry = RetryPolicy(
            settings.max_attempts,
            settings.backoff_base_seconds,
            settings.backoff_max_seconds,
            settings.max_retry_after_seconds,
        )
        self._http = httpx.Client(timeout=settings.timeout_seconds, transport=transport)
        auth: BearerToken
        if isinstance(settings.auth, OAuth2Auth):
            a = settings.auth
            auth = OAuth2ClientCredentials(
                a.token_url, a.client_id, secret, a.scope, client=self._http, retry=self.retry
            )
        else:
            auth = StaticBearer(secret)
        self.auth = auth
        self.client = BcClient(settings.base_url, settings.company_id, auth, self._http, self.retry)
        self._vendors: set[str] = set()

    @classmethod
    def from_settings(cls, settings: BusinessCentralSettings, base_dir: Path) -> BusinessCentralLedger:
        return cls(settings, secret=secret_of(settings))

    # -- Ledger protocol -----------------------------------------------------------------
    def find(self, posting: Posting) -> str | None:
        """The posted ERP number of this invoice: same vendor, vendor's number and year, same date and
        amount. Another year's document with the number is another invoice (None); one with the
        same identity but another date or amount raises :class:`~robot.errors.LedgerConflict`."""
        kind = document_kind(posting.document_type)
        if kind is None or posting.invoice_date is None:
            return None  # never booked here: post() refuses it
        existing = self.retry.call(
            lambda: self._lookup(kind, posting), what=f"find {posting.idempotency_key}"
        )
        return None if existing is None or existing["status"] == "Draft" else str(existing["number"])

    def post(self, posting: Posting) -> str:
        plan = plan_posting(
            posting,
            customers=self.settings.customers,
            default_account=self.settings.default_account,
            tax_codes=self.settings.tax_codes,
            mandatory_dimensions=self.settings.mandatory_dimensions,
        )
        return self.retry.call(lambda: self._post(posting, plan), what=f"post {posting.idempotency_key}")

    def probe(self) -> str:
        """Reachability and auth, changing nothing: an empty vendor lookup in the company."""
        self.retry.call(lambda: self.client.list("vendors", number="~probe~"), what="probe")
        return f"company {self.settings.company_id} reachable, credentials accepted"

    def close(self) -> None:
        self._http.close()

    # -- steps (each attempt starts again from what the ERP already has) -------------------
    def _lookup(self, kind: DocumentKind, posting: Posting) -> dict[str, Any] | None:
        """This invoice's document: the robot's identity (vendor, vendor's number, year), then the
        date and amount as a cross-check. None when only other years' documents carry the number."""
        filters = {kind.number_field: posting.vendor_invoice_number, "vendorNumber": posting.vendor_number}
        year = posting.invoice_date.year if posting.invoice_date else None
        same = [
            row
            for row in self.client.list(kind.entity_set, **filters)
            if (day := _date(row.get(kind.date_field))) is not None and day.year == year
        ]
        mismatches = [(row, _differs(kind, posting, row)) for row in same]
        for row, differs in mismatches:
            if not differs:
                return row
        if not mismatches:
            return None
        row, differs = mismatches[0]
        draft = row["status"] == "Draft"
        raise ledger_conflict(
            posting,
            ledger=self.name,
            kind=kind.label,
            erp_document=f"{'draft ' if draft else ''}purchase {kind.label} {row['number']}",
            erp_date=_date(row.get(kind.date_field)),
            erp_amount=None if draft else Decimal(str(row["totalAmountIncludingTax"])),
            erp_currency=str(row.get("currencyCode") or "") or None,
            differs=differs,
        )

    def _check_vendor(self, number: str) -> None:
        if number in self._vendors:
            return
        rows = self.client.list("vendors", number=number)
        if not rows:
            raise BusinessError(f"vendor {number} does not exist in Business Central")
        if str(rows[0].get("blocked", "")).strip():
            raise BusinessError(f"vendor {number} is blocked in Business Central ({rows[0]['blocked']})")
        self._vendors.add(number)

    def _post(self, posting: Posting, plan: Plan) -> str:
        key, kind = posting.idempotency_key, plan.kind
        document = self._lookup(kind, posting)
        fresh = document is None
        if document is None:
            self._check_vendor(posting.vendor_number)
            try:
                document = self.client.create(
                    kind.entity_set, plan.header, what=f"create the {kind.label} {key}"
                )
            except BcBusinessError as exc:
                if exc.status != 409:
                    raise
                document = self._lookup(kind, posting)  # created meanwhile (a retried request arrived)
                if document is None:
                    raise
                fresh = False
            logger.info("business-central: {} created as {} draft {}", key, kind.label, document["number"])
        if document["status"] != "Draft":
            logger.info("business-central: {} already posted as {}", key, document["number"])
            return str(document["number"])
        path = f"{kind.entity_set}({document['id']})"
        existing = [] if fresh else self.client.list(f"{path}/{kind.lines_set}")
        self._complete_lines(path, plan, existing, key)
        if self.settings.attach_document and posting.document:
            self._attach(path, posting, [] if fresh else self.client.list(f"{path}/attachments"))
        self._check_totals(self.client.get(path, what=f"read the draft {key}"), plan, key)
        self.client.action(f"{path}/Microsoft.NAV.post", what=f"post the {kind.label} {key}")
        number = str(self.client.get(path, what=f"read the posted {kind.label} {key}")["number"])
        logger.info("business-central: {} posted as {} {}", key, kind.label, number)
        return number

    def _complete_lines(self, path: str, plan: Plan, existing: list[dict[str, Any]], key: str) -> None:
        have = Counter(line_key(line) for line in existing)
        want = Counter(line_key(line) for line in plan.lines)
        if have - want:
            raise BusinessError(
                f"draft of {key} in Business Central has lines the {plan.kind.label} does not; "
                "check it by hand"
            )
        missing = want - have
        for body in plan.lines:
            if missing[line_key(body)] > 0:
                self.client.create(f"{path}/{plan.kind.lines_set}", body, what=f"add a line to {key}")
                missing[line_key(body)] -= 1

    def _attach(self, path: str, posting: Posting, existing: list[dict[str, Any]]) -> None:
        name = posting.filename or f"{posting.document_sha256[:16]}.bin"
        attachment = next((a for a in existing if a.get("fileName") == name), None)
        if attachment is not None and int(attachment.get("byteSize", 0)) == len(posting.document):
            return
        if attachment is None:
            attachment = self.client.create(f"{path}/attachments", {"fileName": name}, what=f"attach {name}")
        self.client.upload(
            f"{path}/attachments({attachment['id']})/attachmentContent",
            posting.document,
            str(attachment["@odata.etag"]),
            what=f"upload {name}",
        )

    @staticmethod
    def _check_totals(draft: dict[str, Any], plan: Plan, key: str) -> None:
        net = Decimal(str(draft["totalAmountExcludingTax"]))
        vat = Decimal(str(draft["totalTaxAmount"]))
        if net != plan.net_amount or abs(vat - plan.vat_amount) > VAT_TOLERANCE:
            raise BusinessError(
                f"Business Central computes net {net} and VAT {vat} for {key}, the {plan.kind.label} "
                f"says net {plan.net_amount} and VAT {plan.vat_amount}; not posted "
                "(check tax codes and lines)"
            )


def _date(value: object) -> date | None:
    """An OData ``Edm.Date`` (``2025-03-01``) as a date; None when missing or unreadable."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _differs(kind: DocumentKind, posting: Posting, row: dict[str, Any]) -> tuple[str, ...]:
    """What of date, currency and amount an ERP document of this identity does not share with the
    posting. A draft's amount is not compared: a crashed attempt may have left it half-filled (the
    draft is resumed and its lines checked against the posting's)."""
    amounts = None
    if row["status"] != "Draft":
        amounts = (Decimal(str(row["totalAmountExcludingTax"])), Decimal(str(row["totalTaxAmount"])))
    return differences(
        posting,
        invoice_date=_date(row.get(kind.date_field)),
        currency=str(row.get("currencyCode") or "") or None,
        amounts=amounts,
        vat_tolerance=VAT_TOLERANCE,
    )
