"""Talking to the purchase system: the bearer token, the retries, a 401 as a refused robot, ids in URL paths.

Every request goes through :meth:`Api.request` (retried by the :class:`~connectors.http_retry.RetryPolicy`;
a 401 is :class:`TokenRefused`, which stops the whole fetch, never one invoice). An invoice id is put
into a URL path only when it is plain (:func:`id_problem`) and then percent-encoded (:func:`segment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import shown
from connectors.http_retry import RetryPolicy, send
from robot.errors import ConnectorError

MAX_ID_LENGTH = 200  # the contract's InvoiceId allows 200 characters


class TokenRefused(ConnectorError):
    """401: the purchase system refuses the robot as a whole, not one invoice."""


@dataclass(frozen=True, slots=True)
class Api:
    """The HTTP client under ``/api/v1`` (with the token) and the retry policy of its requests."""

    http: httpx.Client
    retry: RetryPolicy

    def request(self, method: str, path: str, *, what: str, **kwargs: Any) -> httpx.Response:
        """One request, retried when the purchase system is busy or away; :class:`TokenRefused` on 401."""
        response = self.retry.call(lambda: send(self.http, method, path, **kwargs), what=what)
        if response.status_code == 401:
            raise TokenRefused(f"purchase-api: {what}: the purchase system refused the token (401)")
        return response


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


def segment(invoice_id: str) -> str:
    """The id as one URL path segment: percent-encoded, so ``/``, ``?`` and ``#`` stay inside it."""
    problem = id_problem(invoice_id)
    if problem:
        raise ConnectorError(f"purchase-api: {shown(invoice_id)}: {problem}")
    return quote(invoice_id, safe="")


def error_detail(response: httpx.Response) -> str:
    """The ``detail`` of an error answer, else its text."""
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text
