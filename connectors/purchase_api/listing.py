"""Listing the ready invoices: every page read before any download, bounded, one bad item at a time.

Paging is bounded by ``max_pages``, ``max_items`` and ``max_list_seconds`` and stops at a
``next_page`` already seen; what was listed until then is fetched, and the stop is a problem of the
listing (:data:`LISTING`), the rest follows on the next fetch. An item without a plain id is an
:class:`~connectors.base.IntakeFailure` of its own. Only a first page that cannot be read fails the
fetch as a whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from connectors.base import IntakeFailure, shown
from connectors.purchase_api.client import Api, TokenRefused, error_detail, id_problem
from robot.errors import ConnectorError, TransientError

LISTING = "(list of ready invoices)"  # the source_ref of a problem with the listing itself


@dataclass(frozen=True, slots=True)
class Paging:
    """How the listing pages, and where it stops."""

    page_size: int = 50
    skip_fetched: bool = True
    max_pages: int = 1000
    max_items: int = 10_000
    max_list_seconds: float = 300.0


def ready_items(api: Api, paging: Paging) -> tuple[list[dict[str, Any]], list[IntakeFailure]]:
    """Every ready invoice's summary, all pages, read before any download (stable paging).

    Bounded: at most ``max_pages`` pages, ``max_items`` invoices and ``max_list_seconds``; a
    ``next_page`` already read ends the listing. What was listed until then is fetched, and
    the stop is a problem of the listing (the rest follows on the next fetch). Only a first
    page that cannot be read fails the fetch as a whole.
    """
    items: dict[str, dict[str, Any]] = {}
    failures: list[IntakeFailure] = []
    deadline = time.monotonic() + paging.max_list_seconds
    seen: set[int] = set()
    page: object = 1
    while page is not None:
        stop = _paging_stop(page, seen, deadline, paging)
        if stop:
            failures.append(IntakeFailure(LISTING, stop + "; the rest is listed on the next fetch"))
            break
        assert isinstance(page, int)
        seen.add(page)
        params: dict[str, Any] = {"status": "ready", "page": page, "page_size": paging.page_size}
        if paging.skip_fetched:
            params["fetched"] = "false"
        try:
            response = api.request("GET", "/invoices", params=params, what=f"list invoices page {page}")
            if response.status_code != 200:
                status = response.status_code
                said = shown(error_detail(response))
                raise ConnectorError(f"purchase-api: list invoices page {page}: HTTP {status} {said}")
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
            if len(items) >= paging.max_items:
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
        if len(items) >= paging.max_items and (listed or page is not None):
            stop = f"paging stopped after {len(items)} invoices (max_items)"
            failures.append(IntakeFailure(LISTING, stop + "; the rest is listed on the next fetch"))
            break
    return list(items.values()), failures


def _paging_stop(page: object, seen: set[int], deadline: float, paging: Paging) -> str | None:
    """Why the listing stops before reading ``page``, or None."""
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        return f"next_page is {shown(repr(page), 40)}, not a page number; paging stopped"
    if page in seen:
        return f"next_page {page} was read before; paging stopped"
    if len(seen) >= paging.max_pages:
        return f"paging stopped after {paging.max_pages} pages (max_pages)"
    if time.monotonic() > deadline:
        return f"paging stopped after {paging.max_list_seconds:g} s (max_list_seconds)"
    return None
