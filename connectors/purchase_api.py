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
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import INTAKE_PROBLEM, IncomingDocument, IntakeFailure, Source, shown, too_big
from connectors.http_retry import RetryPolicy, Throttled, Transient, parse_retry_after, send
from robot.errors import BusinessError, ConfigError, ConnectorError, TransientError
from robot.readers.limits import MAX_DOCUMENT_BYTES

METADATA_KEYS = ("customer", "approver", "remark", "account", "received_at")
MAX_ID_LENGTH = 200  # the contract's InvoiceId allows 200 characters
LISTING = "(list of ready invoices)"  # the source_ref of a problem with the listing itself


class TokenRefused(ConnectorError):
    """401: the purchase system refuses the robot as a whole, not one invoice."""


def id_problem(invoice_id: object) -> str | None:
    """Why ``invoice_id`` is not a plain id the robot may put into a URL path, or None.

    Plain: a string of 1 to 200 printable characters (no CR/LF or other control characters), no
    surrounding spaces, not only dots (``.``/``..`` would be path segments even when escaped).
    Anything else printable (``/``, ``?``, ``#``, ``%``) is allowed and percent-encoded.
    """
    if not isinstance(invoice_id, str) or not invoice_id:
        return "the invoice has no id (or one that is not a string); not downloaded"
    if len(invoice_id) > MAX_ID_LENGTH:
        return f"the id is {len(invoice_id)} characters, more than {MAX_ID_LENGTH}; not downloaded"
    if not invoice_id.isprintable():
        return "the id contains control characters (CR, LF, …); not downloaded"
    if invoice_id.strip() != invoice_id or invoice_id.strip(".") == "":
        return "the id is only dots or has surrounding spaces; not downloaded"
    return None


def _segment(invoice_id: str) -> str:
    """The id as one URL path segment: percent-encoded, so ``/``, ``?`` and ``#`` stay inside it."""
    problem = id_problem(invoice_id)
    if problem:
        raise ConnectorError(f"purchase-api: {shown(invoice_id)}: {problem}")
    return quote(invoice_id, safe="")


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

    def _request(self, method: str, path: str, *, what: str, **kwargs: Any) -> httpx.Response:
        response = self.retry.call(lambda: send(self._client, method, path, **kwargs), what=what)
        if response.status_code == 401:
            raise TokenRefused(f"purchase-api: {what}: the purchase system refused the token (401)")
        return response

    def _ready_items(self) -> tuple[list[dict[str, Any]], list[IntakeFailure]]:
        """Every ready invoice's summary, all pages, read before any download (stable paging).

        Bounded: at most ``max_pages`` pages, ``max_items`` invoices and ``max_list_seconds``; a
        ``next_page`` already read ends the listing. What was listed until then is fetched, and
        the stop is a problem of the listing (the rest follows on the next fetch). Only a first
        page that cannot be read fails the fetch as a whole.
        """
        items: dict[str, dict[str, Any]] = {}
        failures: list[IntakeFailure] = []
        deadline = time.monotonic() + self.max_list_seconds
        seen: set[int] = set()
        page: object = 1
        while page is not None:
            stop = self._paging_stop(page, seen, deadline)
            if stop:
                failures.append(IntakeFailure(LISTING, stop + "; the rest is listed on the next fetch"))
                break
            assert isinstance(page, int)
            seen.add(page)
            params: dict[str, Any] = {"status": "ready", "page": page, "page_size": self.page_size}
            if self.skip_fetched:
                params["fetched"] = "false"
            try:
                response = self._request("GET", "/invoices", params=params, what=f"list invoices page {page}")
                if response.status_code != 200:
                    status = response.status_code
                    detail = shown(_detail(response))
                    raise ConnectorError(f"purchase-api: list invoices page {page}: HTTP {status} {detail}")
                body = response.json()
                if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                    raise ConnectorError(f"purchase-api: list invoices page {page}: not an InvoicePage")
            except (ConnectorError, TransientError, ValueError) as exc:
                if page == 1 or isinstance(exc, TokenRefused):
                    raise
                failures.append(IntakeFailure(LISTING, f"{shown(exc, 300)}; paging stopped"))
                break
            listed = body["items"]
            for n, item in enumerate(listed):
                if len(items) >= self.max_items:
                    listed = listed[n:]  # not taken: there is more than max_items
                    break
                invoice_id = item.get("id") if isinstance(item, dict) else None
                problem = id_problem(invoice_id)
                if problem:
                    ref = shown(invoice_id) if isinstance(invoice_id, str) else f"(page {page}, item {n + 1})"
                    failures.append(IntakeFailure(ref, problem))
                elif isinstance(item, dict) and isinstance(invoice_id, str):
                    items.setdefault(invoice_id, item)
            else:
                listed = []
            page = body.get("next_page")
            if len(items) >= self.max_items and (listed or page is not None):
                stop = f"paging stopped after {len(items)} invoices (max_items)"
                failures.append(IntakeFailure(LISTING, stop + "; the rest is listed on the next fetch"))
                break
        return list(items.values()), failures

    def _paging_stop(self, page: object, seen: set[int], deadline: float) -> str | None:
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            return f"next_page is {shown(repr(page), 40)}, not a page number; paging stopped"
        if page in seen:
            return f"next_page {page} was read before; paging stopped"
        if len(seen) >= self.max_pages:
            return f"paging stopped after {self.max_pages} pages (max_pages)"
        if time.monotonic() > deadline:
            return f"paging stopped after {self.max_list_seconds:g} s (max_list_seconds)"
        return None

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        items, failures = self._ready_items()
        yield from failures
        for item in items:
            doc = self._take(item)
            if doc is not None:
                yield doc

    def _take(self, item: dict[str, Any]) -> IncomingDocument | IntakeFailure | None:
        """One listed invoice as a document, or why it could not be taken (this invoice only)."""
        invoice_id: str = item["id"]
        ref = shown(invoice_id)
        problems: list[str] = []
        filename = item.get("filename")
        if not isinstance(filename, str) or not filename.strip():
            problems.append(f"the purchase system gives no filename ({_json_kind(filename)}); the id is used")
            filename = invoice_id
        filename = shown(filename, 255)
        metadata: dict[str, str] = {}
        for key in METADATA_KEYS:
            value = item.get(key)
            if isinstance(value, str):
                metadata[key] = value
            elif value is not None:
                problems.append(f"{key} is a JSON {_json_kind(value)}, not a string")
        listed_size = item.get("size")
        content = b""
        if isinstance(listed_size, int) and listed_size > self.max_bytes:
            problems.append(too_big(listed_size, self.max_bytes))  # not downloaded at all
        else:
            try:
                status, body, oversize = self._download(invoice_id)
            except (ConnectorError, TransientError) as exc:
                if isinstance(exc, TokenRefused):
                    raise
                return IntakeFailure(ref, f"download failed: {shown(exc, 300)}")
            if status == 404:
                logger.warning("purchase-api: invoice {} disappeared before download; skipped", ref)
                return None
            if status != 200:
                return IntakeFailure(ref, f"download failed: HTTP {status}")
            if oversize is not None:
                problems.append(oversize)
            else:
                content = body
        if problems:
            metadata[INTAKE_PROBLEM] = "; ".join(problems)
        return IncomingDocument(invoice_id, filename, content, metadata)

    def _download(self, invoice_id: str) -> tuple[int, bytes, str | None]:
        """(status, content, oversize problem): streamed, never more than ``max_bytes`` in memory."""
        path = f"/invoices/{_segment(invoice_id)}/document"
        what = f"download {shown(invoice_id)}"

        def attempt() -> tuple[int, bytes, str | None]:
            try:
                with self._client.stream("GET", path, headers={"Accept-Encoding": "identity"}) as response:
                    status = response.status_code
                    if status == 429 or status >= 500:
                        kind = Throttled if status == 429 else Transient
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        raise kind(f"GET {path}: HTTP {status}", retry_after)
                    if status == 401:
                        raise TokenRefused(
                            f"purchase-api: {what}: the purchase system refused the token (401)"
                        )
                    if status != 200:
                        return status, b"", None
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > self.max_bytes:
                        return status, b"", too_big(int(declared), self.max_bytes)
                    buffer = bytearray()
                    for chunk in response.iter_bytes():
                        buffer += chunk
                        if len(buffer) > self.max_bytes:
                            limit = self.max_bytes // (1024 * 1024)
                            return (
                                status,
                                b"",
                                f"file is over {limit} MB (download stopped); the limit is {limit} MB",
                            )
                    return status, bytes(buffer), None
            except httpx.TimeoutException as exc:
                raise Transient(f"GET {path}: timed out ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise Transient(f"GET {path}: {type(exc).__name__}: {exc}") from exc

        return self.retry.call(attempt, what=what)

    def acknowledge(self, doc: IncomingDocument) -> None:
        ref = doc.source_ref
        response = self._request(
            "POST", f"/invoices/{_segment(ref)}/fetched", what=f"mark {shown(ref)} fetched"
        )
        if response.status_code not in (200, 404):
            raise ConnectorError(f"purchase-api: mark {shown(ref)} fetched: HTTP {response.status_code}")

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        body = outcome_body(outcome, detail)
        ref = shown(source_ref)
        if id_problem(source_ref):
            raise BusinessError(f"purchase-api: {ref} is not a plain invoice id; no outcome written")
        response = self._request(
            "POST", f"/invoices/{_segment(source_ref)}/outcome", json=body, what=f"write outcome of {ref}"
        )
        if response.status_code == 200:
            return
        message = shown(_detail(response), 500)
        if response.status_code in (404, 409, 422):
            raise BusinessError(f"purchase system refused outcome '{outcome}' for {ref}: {message}")
        status = response.status_code
        raise ConnectorError(f"purchase-api: write outcome of {ref}: HTTP {status} {message}")

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


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return kinds.get(type(value), type(value).__name__)
