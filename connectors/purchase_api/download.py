"""Downloading one listed invoice: its document streamed within the size limit, its metadata checked.

A document over the limit (by its listed ``size``, its ``Content-Length`` or while streaming) or
without a ``filename`` is handed over with an intake problem and held; a metadata value that is
not a string is named in the problem and left out. A download failing after its retries is an
:class:`~connectors.base.IntakeFailure` of this invoice only; an invoice gone (404) is skipped.
"""

from __future__ import annotations

from typing import Any

import httpx
from loguru import logger

from connectors.base import INTAKE_PROBLEM, IncomingDocument, IntakeFailure, shown, too_big
from connectors.http_retry import Throttled, Transient, parse_retry_after
from connectors.purchase_api.client import Api, TokenRefused, segment
from robot.errors import ConnectorError, TransientError

METADATA_KEYS = ("customer", "approver", "remark", "account", "received_at")


def take(api: Api, item: dict[str, Any], max_bytes: int) -> IncomingDocument | IntakeFailure | None:
    """One listed invoice as a document, or why it could not be taken (this invoice only)."""
    invoice_id: str = item["id"]
    ref = shown(invoice_id)
    problems: list[str] = []
    filename = item.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        problems.append(f"the purchase system gives no filename ({json_kind(filename)}); the id is used")
        filename = invoice_id
    filename = shown(filename, 255)
    metadata: dict[str, str] = {}
    for key in METADATA_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            metadata[key] = value
        elif value is not None:
            problems.append(f"{key} is a JSON {json_kind(value)}, not a string")
    listed_size = item.get("size")
    content = b""
    if isinstance(listed_size, int) and listed_size > max_bytes:
        problems.append(too_big(listed_size, max_bytes))  # not downloaded at all
    else:
        try:
            status, body, oversize = download(api, invoice_id, max_bytes)
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


def download(api: Api, invoice_id: str, max_bytes: int) -> tuple[int, bytes, str | None]:
    """(status, content, oversize problem): streamed, never more than ``max_bytes`` in memory."""
    path = f"/invoices/{segment(invoice_id)}/document"
    what = f"download {shown(invoice_id)}"

    def attempt() -> tuple[int, bytes, str | None]:
        try:
            with api.http.stream("GET", path, headers={"Accept-Encoding": "identity"}) as response:
                status = response.status_code
                if status == 429 or status >= 500:
                    kind = Throttled if status == 429 else Transient
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    raise kind(f"GET {path}: HTTP {status}", retry_after)
                if status == 401:
                    raise TokenRefused(f"purchase-api: {what}: the purchase system refused the token (401)")
                if status != 200:
                    return status, b"", None
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    return status, b"", too_big(int(declared), max_bytes)
                buffer = bytearray()
                for chunk in response.iter_bytes():
                    buffer += chunk
                    if len(buffer) > max_bytes:
                        limit = max_bytes // (1024 * 1024)
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

    return api.retry.call(attempt, what=what)


def json_kind(value: object) -> str:
    """The JSON name of a parsed value's type (``null`` for None)."""
    if value is None:
        return "null"
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return kinds.get(type(value), type(value).__name__)
