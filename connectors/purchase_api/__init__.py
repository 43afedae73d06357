"""The purchase system's HTTP API as a :class:`connectors.base.Source` (IndFak-like).

Follows ``connectors/openapi/purchase-system.yaml``: pages through ``ready`` invoices, downloads
each original document, marks it ``fetched`` once the robot has stored it, and writes the outcome
back. The invoice stays ``ready`` until an outcome is written, so a crash loses nothing::

    settings = Settings(base_url="http://127.0.0.1:8000")
    source = PurchaseApiSource.from_settings(settings, Path("."))
    for doc in source.fetch():
        store(doc); source.acknowledge(doc)
    source.report_outcome("inv-001.xml", "transferred", {"erp_document_number": "108001"})

Every invoice is taken on its own: an id that is not plain (control characters, CR/LF, only dots,
over 200 characters) or a download failing after its retries is an
:class:`~connectors.base.IntakeFailure`; a document over
:data:`robot.readers.limits.MAX_DOCUMENT_BYTES` (by its listed ``size``, its ``Content-Length``
or while streaming) or without a ``filename`` is handed over with an intake problem and held.
Ids are percent-encoded into every URL path (``quote(id, safe="")``). Paging is bounded by
``max_pages``, ``max_items`` and ``max_list_seconds`` and stops at a ``next_page`` already seen.

``report_outcome`` details (a str → str mapping): ``transferred`` needs ``erp_document_number``;
``returned`` takes ``reasons`` (a JSON list of ``{"code", "text"}``) or ``reason_code`` + ``reason``,
and optionally ``invoice_response`` (the Invoice Response XML as text; it is sent base64-encoded).

The package: :mod:`~connectors.purchase_api.client` (the token, retries, ids in URL paths),
:mod:`~connectors.purchase_api.listing` (paging through the ready invoices),
:mod:`~connectors.purchase_api.download` (one invoice's document and metadata) and
:mod:`~connectors.purchase_api.outcome` (writing the outcome back).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import IncomingDocument, IntakeFailure, Source, shown
from connectors.http_retry import RetryPolicy
from connectors.purchase_api.client import MAX_ID_LENGTH, Api, TokenRefused, error_detail, id_problem, segment
from connectors.purchase_api.download import METADATA_KEYS, take
from connectors.purchase_api.listing import LISTING, Paging, ready_items
from connectors.purchase_api.outcome import outcome_body, write_outcome
from robot.errors import ConfigError, ConnectorError
from robot.readers.limits import MAX_DOCUMENT_BYTES

__all__ = [
    "LISTING",
    "MAX_ID_LENGTH",
    "METADATA_KEYS",
    "PurchaseApiSettings",
    "PurchaseApiSource",
    "Settings",
    "TokenRefused",
    "id_problem",
    "outcome_body",
]


class PurchaseApiSettings(BaseModel):
    """Configuration of the purchase-system source (the token itself comes from ``token_env``)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="e.g. http://127.0.0.1:8000 (the API lives under /api/v1)")
    token_env: str = "FAKTURAROBOT_PURCHASE_TOKEN"
    page_size: int = Field(default=50, ge=1, le=200)
    skip_fetched: bool = Field(default=True, description="skip invoices already marked fetched")
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    backoff_base_seconds: float = Field(default=0.5, ge=0)
    backoff_max_seconds: float = Field(default=30.0, ge=0)
    ca_file: str | None = Field(default=None, description="CA bundle, relative to the config folder")
    max_pages: int = Field(default=1000, ge=1, description="list pages read per fetch at most")
    max_items: int = Field(default=10_000, ge=1, description="invoices listed per fetch at most")
    max_list_seconds: float = Field(default=300.0, gt=0, description="time the listing may take per fetch")


Settings = PurchaseApiSettings  # the short name the docs and tests use


class PurchaseApiSource(Source):
    """Invoices from the purchase-system API. ``source_ref`` is the purchase system's invoice id."""

    name = "purchase-api"
    Settings = PurchaseApiSettings

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        page_size: int = 50,
        skip_fetched: bool = True,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        verify: str | bool = True,
        transport: httpx.BaseTransport | None = None,
        max_pages: int = 1000,
        max_items: int = 10_000,
        max_list_seconds: float = 300.0,
        max_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.page_size = page_size
        self.skip_fetched = skip_fetched
        self.retry = retry or RetryPolicy()
        self.max_pages = max_pages
        self.max_items = max_items
        self.max_list_seconds = max_list_seconds
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self._api = Api(self._client, self.retry)

    @classmethod
    def from_settings(cls, settings: PurchaseApiSettings, base_dir: Path) -> PurchaseApiSource:
        token = os.environ.get(settings.token_env)
        if not token:
            raise ConfigError(f"purchase-api: environment variable {settings.token_env} (token_env) is unset")
        verify: str | bool = str(base_dir / settings.ca_file) if settings.ca_file else True
        policy = RetryPolicy(
            settings.max_attempts, settings.backoff_base_seconds, settings.backoff_max_seconds
        )
        return cls(
            settings.base_url,
            token,
            page_size=settings.page_size,
            skip_fetched=settings.skip_fetched,
            timeout=settings.timeout_seconds,
            retry=policy,
            verify=verify,
            max_pages=settings.max_pages,
            max_items=settings.max_items,
            max_list_seconds=settings.max_list_seconds,
        )

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        paging = Paging(
            self.page_size, self.skip_fetched, self.max_pages, self.max_items, self.max_list_seconds
        )
        items, failures = ready_items(self._api, paging)
        yield from failures
        for item in items:
            doc = take(self._api, item, self.max_bytes)
            if doc is not None:
                yield doc

    def acknowledge(self, doc: IncomingDocument) -> None:
        ref = doc.source_ref
        response = self._api.request(
            "POST", f"/invoices/{segment(ref)}/fetched", what=f"mark {shown(ref)} fetched"
        )
        if response.status_code not in (200, 404):
            raise ConnectorError(f"purchase-api: mark {shown(ref)} fetched: HTTP {response.status_code}")

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        write_outcome(self._api, source_ref, outcome, detail)

    def probe(self) -> str:
        """Reachability and auth, changing nothing: list one ready invoice."""
        params = {"status": "ready", "page": 1, "page_size": 1}
        response = self._api.request("GET", "/invoices", params=params, what="probe")
        if response.status_code != 200:
            raise ConnectorError(f"purchase-api: probe: HTTP {response.status_code} {error_detail(response)}")
        return f"reachable, token accepted, {response.json().get('total', '?')} invoices ready"

    def close(self) -> None:
        self._client.close()
