"""The purchase system's HTTP API as a :class:`connectors.base.Source` (IndFak-like).

Follows ``connectors/openapi/purchase-system.yaml``: pages through ``ready`` invoices, downloads
each original document, marks it ``fetched`` once the robot has stored it, and writes the outcome
back. The invoice stays ``ready`` until an outcome is written, so a crash loses nothing::

    >>> settings = Settings(base_url="http://127.0.0.1:8000")
    >>> source = PurchaseApiSource.from_settings(settings, Path("."))   # doctest: +SKIP
    >>> for doc in source.fetch():                                       # doctest: +SKIP
    ...     store(doc); source.acknowledge(doc)
    >>> source.report_outcome("inv-001.xml", "transferred", {"erp_document_number": "108001"})

``report_outcome`` details (a str → str mapping): ``transferred`` needs ``erp_document_number``;
``returned`` takes ``reasons`` (a JSON list of ``{"code", "text"}``) or ``reason_code`` + ``reason``,
and optionally ``invoice_response`` (the Invoice Response XML as text; it is sent base64-encoded).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import IncomingDocument
from connectors.http_retry import RetryPolicy, send
from robot.errors import BusinessError, ConfigError, ConnectorError

METADATA_KEYS = ("customer", "approver", "remark", "account", "received_at")


class Settings(BaseModel):
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


class PurchaseApiSource:
    """Invoices from the purchase-system API. ``source_ref`` is the purchase system's invoice id."""

    name = "purchase-api"

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
    ) -> None:
        self.page_size = page_size
        self.skip_fetched = skip_fetched
        self.retry = retry or RetryPolicy()
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, base_dir: Path) -> PurchaseApiSource:
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
        )

    def _request(self, method: str, path: str, *, what: str, **kwargs: Any) -> httpx.Response:
        response = self.retry.call(lambda: send(self._client, method, path, **kwargs), what=what)
        if response.status_code == 401:
            raise ConnectorError(f"purchase-api: {what}: the purchase system refused the token (401)")
        return response

    def _ready_ids(self) -> list[dict[str, Any]]:
        """Every ready invoice's summary, all pages, read before any download (stable paging)."""
        items: dict[str, dict[str, Any]] = {}
        page: int | None = 1
        while page is not None:
            params: dict[str, Any] = {"status": "ready", "page": page, "page_size": self.page_size}
            if self.skip_fetched:
                params["fetched"] = "false"
            response = self._request("GET", "/invoices", params=params, what=f"list invoices page {page}")
            if response.status_code != 200:
                status = response.status_code
                raise ConnectorError(f"purchase-api: list invoices: HTTP {status} {_detail(response)}")
            body = response.json()
            for item in body["items"]:
                items.setdefault(item["id"], item)
            page = body["next_page"]
        return list(items.values())

    def fetch(self) -> Iterator[IncomingDocument]:
        for item in self._ready_ids():
            invoice_id = item["id"]
            response = self._request("GET", f"/invoices/{invoice_id}/document", what=f"download {invoice_id}")
            if response.status_code == 404:
                logger.warning("purchase-api: invoice {} disappeared before download; skipped", invoice_id)
                continue
            if response.status_code != 200:
                raise ConnectorError(f"purchase-api: download {invoice_id}: HTTP {response.status_code}")
            metadata = {k: str(item[k]) for k in METADATA_KEYS if item.get(k) is not None}
            yield IncomingDocument(invoice_id, item["filename"], response.content, metadata)

    def acknowledge(self, doc: IncomingDocument) -> None:
        ref = doc.source_ref
        response = self._request("POST", f"/invoices/{ref}/fetched", what=f"mark {ref} fetched")
        if response.status_code not in (200, 404):
            raise ConnectorError(f"purchase-api: mark {ref} fetched: HTTP {response.status_code}")

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        body = outcome_body(outcome, detail)
        response = self._request(
            "POST", f"/invoices/{source_ref}/outcome", json=body, what=f"write outcome of {source_ref}"
        )
        if response.status_code == 200:
            return
        message = _detail(response)
        if response.status_code in (404, 409, 422):
            raise BusinessError(f"purchase system refused outcome '{outcome}' for {source_ref}: {message}")
        status = response.status_code
        raise ConnectorError(f"purchase-api: write outcome of {source_ref}: HTTP {status} {message}")

    def probe(self) -> str:
        """Reachability and auth, changing nothing: list one ready invoice."""
        params = {"status": "ready", "page": 1, "page_size": 1}
        response = self._request("GET", "/invoices", params=params, what="probe")
        if response.status_code != 200:
            raise ConnectorError(f"purchase-api: probe: HTTP {response.status_code} {_detail(response)}")
        return f"reachable, token accepted, {response.json().get('total', '?')} invoices ready"

    def close(self) -> None:
        self._client.close()


def outcome_body(outcome: str, detail: Mapping[str, str]) -> dict[str, Any]:
    """The ``Outcome`` JSON body for ``outcome`` and the robot's ``detail`` mapping."""
    if outcome == "transferred":
        number = detail.get("erp_document_number")
        if not number:
            raise ValueError("outcome 'transferred' needs detail['erp_document_number']")
        return {"outcome": "transferred", "erp_document_number": number}
    if outcome == "returned":
        if "reasons" in detail:
            given = json.loads(detail["reasons"])
            reasons = [{"code": str(r["code"]), "text": str(r["text"])} for r in given]
        else:
            text = detail.get("reason") or detail.get("reason_text")
            if not text:
                raise ValueError("outcome 'returned' needs detail['reasons'] (JSON) or detail['reason']")
            reasons = [{"code": detail.get("reason_code", "OTH"), "text": text}]
        body: dict[str, Any] = {"outcome": "returned", "reasons": reasons}
        if detail.get("invoice_response"):
            body["invoice_response"] = base64.b64encode(detail["invoice_response"].encode()).decode("ascii")
        return body
    raise ValueError(f"unknown outcome {outcome!r}; the purchase system knows 'transferred' and 'returned'")


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text
