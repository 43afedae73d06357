"""Retries for the HTTP connectors: which failures are worth retrying, and how long to wait.

Timeouts, connection errors, 429 and 5xx are *transient*; the policy retries them with
exponential back-off (tenacity), waits at least what ``Retry-After`` asks for, and after the last
attempt raises :class:`robot.errors.TransientError` so the robot tries again on a later run::

    policy = RetryPolicy(max_attempts=3, backoff_base=0.01)
    with httpx.Client() as client:
        response = policy.call(lambda: send(client, "GET", url), what="list invoices")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from robot.errors import TransientError

T = TypeVar("T")


class Transient(Exception):
    """A failure worth retrying (internal to the connectors; callers see TransientError)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttled(Transient):
    """429: the server did not process the request, so even a POST may be sent again as is."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delay-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; timeouts, transport errors, 429 and 5xx become :class:`Transient`."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise Transient(f"{method} {url}: timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise Transient(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        kind = Throttled if response.status_code == 429 else Transient
        raise kind(f"{method} {url}: HTTP {response.status_code} {response.text[:200]}", retry_after)
    return response


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded attempts with exponential back-off; ``Retry-After`` is honoured up to a cap."""

    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0

    def wait(self, state: RetryCallState) -> float:
        backoff = min(self.backoff_max, self.backoff_base * 2 ** (state.attempt_number - 1))
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Transient) and exc.retry_after is not None:
            return float(max(backoff, min(exc.retry_after, self.max_retry_after)))
        return float(backoff)

    def retrying(self, on: type[Transient] = Transient) -> Retrying:
        """A tenacity ``Retrying`` for ``on``; the last exception is re-raised as is."""
        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self.wait,
            retry=retry_if_exception_type(on),
            reraise=True,
        )

    def call(self, fn: Callable[[], T], *, what: str) -> T:
        """``fn()`` retried on :class:`Transient`; TransientError when every attempt failed."""
        try:
            return self.retrying()(fn)
        except Transient as exc:
            raise TransientError(f"{what}: gave up after {self.max_attempts} attempts: {exc}") from exc
