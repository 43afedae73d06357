"""The Business Central test set-up the BC tests share: the client secret the test server takes,
the settings of a ledger against a server at ``url``, and a crash injected into the ledger's client.
"""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import Posting
from connectors.business_central import BusinessCentralLedger, Settings
from connectors.testing.bc_server import DEFAULT_COMPANY_ID

SECRET = "bc-test-secret"


def bc_settings(url: str, **overrides: Any) -> Settings:
    """A ledger's settings against the test server at ``url`` (its default company, OAuth2 with
    :data:`SECRET`, back-off of 10 ms), with ``overrides`` on top."""
    raw: dict[str, Any] = {
        "base_url": f"{url}/api/v2.0",
        "company_id": DEFAULT_COMPANY_ID,
        "auth": {
            "type": "oauth2",
            "token_url": f"{url}/tenant/oauth2/v2.0/token",
            "client_id": "fakturarobot",
        },
        "backoff_base_seconds": 0.01,
    }
    raw.update(overrides)
    return Settings.model_validate(raw)


class Crash(Exception):
    """The process killed midway (raised in place of a client call)."""


def crash_on_call(
    monkeypatch: pytest.MonkeyPatch, ledger: BusinessCentralLedger, method: str, nth: int
) -> None:
    """Make the ``nth`` call of the ledger client's ``method`` raise :class:`Crash` (the calls
    before it go through)."""
    real = getattr(ledger.client, method)
    calls: list[tuple[Any, ...]] = []

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == nth:
            raise Crash(f"process killed during {method}")
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger.client, method, dying)


def killed_while_posting(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, posting: Posting, method: str, nth: int
) -> None:
    """A ledger posting ``posting`` is killed at the ``nth`` call of its client's ``method``
    (what it made in the ERP so far is left behind, as after a crash)."""
    crashing = BusinessCentralLedger(settings, secret=SECRET)
    crash_on_call(monkeypatch, crashing, method, nth)
    with pytest.raises(Crash):
        crashing.post(posting)
    crashing.close()
