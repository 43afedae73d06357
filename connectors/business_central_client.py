"""HTTP access to a Business Central API v2.0 company: auth, OData details and error mapping.

    auth = OAuth2ClientCredentials(token_url, "fakturarobot", secret, "https://api.businesscentral.dynamics.com/.default")
    client = BcClient("https://bc.example/api/v2.0", company_id, auth)
    client.list("vendors", number="K10001")
    # → [{'id': '…', 'number': 'K10001', 'displayName': 'Kontorland A/S', …}]

Decimals travel as strings (OData ``IEEE754Compatible=true``), so money is never a float.
A throttled request (429) is sent again as is, after ``Retry-After``; 5xx and timeouts raise
:class:`~connectors.http_retry.Transient` (the ledger retries whole steps, since the request may
have taken effect), 400/409/422 raise :class:`BcBusinessError` with the ERP's
message, 412 (stale etag) is retried after a re-read. The bearer token is an ``httpx.Auth``
(:class:`BearerToken`): a 401 drops the cached token, and an OAuth2 one is fetched again and the
request sent once more with it; a 401 that persists is retried with the whole step.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator
from decimal import Decimal
from typing import Any

import httpx

from connectors.http_retry import RetryPolicy, Throttled, Transient, send
from robot.errors import BusinessError, ConnectorError
from robot.serialize import jsonable

ODATA_JSON = "application/json;IEEE754Compatible=true"


class BcBusinessError(BusinessError):
    """Business Central refused on business grounds; ``status`` and ``code`` as BC sent them."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class BearerToken(httpx.Auth):
    """``Authorization: Bearer <token()>`` on every request it is given to (``auth=``). A 401 drops
    the token; when a fresh one can be had (``refreshable``) the request, which was not processed,
    is sent once more with it."""

    refreshable = False

    def token(self) -> str:
        raise NotImplementedError

    def invalidate(self) -> None:
        """Forget the token: the next request gets a fresh one."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code != 401:
            return
        self.invalidate()
        if self.refreshable:
            request.headers["Authorization"] = f"Bearer {self.token()}"
            response = yield request
            if response.status_code == 401:
                self.invalidate()


class StaticBearer(BearerToken):
    """A fixed bearer token (from an environment variable)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token


class OAuth2ClientCredentials(BearerToken):
    """OAuth2 client-credentials grant; the token is cached until shortly before it expires. The
    token request goes through ``client`` without this auth."""

    refreshable = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None,
        *,
        client: httpx.Client,
        retry: RetryPolicy,
        skew_seconds: float = 60.0,
    ) -> None:
        self.token_url, self.client_id, self.scope = token_url, client_id, scope
        self._secret, self._client, self._retry, self._skew = client_secret, client, retry, skew_seconds
        self._lock = threading.Lock()
        self._cached: tuple[str, float] | None = None
        self.fetches = 0

    def token(self) -> str:
        with self._lock:
            if self._cached and self._cached[1] > time.monotonic():
                return self._cached[0]
            form = {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._secret,
            }
            if self.scope:
                form["scope"] = self.scope
            response = self._retry.call(
                lambda: send(self._client, "POST", self.token_url, data=form), what="get an OAuth2 token"
            )
            if response.status_code != 200:
                raise ConnectorError(
                    f"business-central: the token endpoint refused the client credentials "
                    f"(HTTP {response.status_code}): {response.text[:300]}"
                )
            body = response.json()
            self.fetches += 1
            lifetime = float(body.get("expires_in", 3600))
            self._cached = (str(body["access_token"]), time.monotonic() + max(0.0, lifetime - self._skew))
            return self._cached[0]

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None


def odata_quote(value: str) -> str:
    """A string literal for ``$filter``: ``it's`` → ``'it''s'``."""
    return "'" + value.replace("'", "''") + "'"


def _error_message(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
        return str(error.get("code", "")), str(error.get("message", response.text))
    except (ValueError, AttributeError):
        return "", response.text[:500]


class BcClient:
    """One company's endpoints. Paths are relative to ``{base_url}/companies({company_id})``."""

    def __init__(
        self, base_url: str, company_id: str, auth: BearerToken, client: httpx.Client, retry: RetryPolicy
    ) -> None:
        self.root = f"{base_url.rstrip('/')}/companies({company_id})"
        self.auth, self.http, self.retry = auth, client, retry

    def _call(self, method: str, path: str, *, what: str, **kwargs: Any) -> httpx.Response:
        headers = {"Accept": ODATA_JSON, **kwargs.pop("headers", {})}
        if "json" in kwargs:
            kwargs["content"] = json.dumps(jsonable(kwargs.pop("json")))
            headers["Content-Type"] = ODATA_JSON
        url = f"{self.root}/{path}"
        # a throttled request was not processed: send the same one again (honouring Retry-After)
        response = self.retry.retrying(Throttled)(
            lambda: send(self.http, method, url, headers=headers, auth=self.auth, **kwargs)
        )
        status = response.status_code
        if status < 300:
            return response
        code, message = _error_message(response)
        if status == 401:  # the auth has dropped the token (and tried a fresh one where it can)
            raise Transient(f"{what}: Business Central refused the token (401 {code})")
        if status == 412:
            raise Transient(f"{what}: the record changed meanwhile (412 {code}); re-reading")
        if status in (400, 404, 409, 422):
            raise BcBusinessError(f"Business Central refused to {what}: {message}", status=status, code=code)
        raise ConnectorError(f"business-central: {what}: HTTP {status} {code} {message}")

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        return json.loads(response.content, parse_float=Decimal)

    def list(self, entity_set: str, **equals: str) -> list[dict[str, Any]]:
        """``GET entity_set?$filter=k eq 'v' and ...`` → the ``value`` rows."""
        params = {}
        if equals:
            params["$filter"] = " and ".join(f"{k} eq {odata_quote(v)}" for k, v in equals.items())
        response = self._call("GET", entity_set, params=params, what=f"list {entity_set.rsplit('/', 1)[-1]}")
        rows: list[dict[str, Any]] = self._json(response)["value"]
        return rows

    def get(self, path: str, *, what: str) -> dict[str, Any]:
        entity: dict[str, Any] = self._json(self._call("GET", path, what=what))
        return entity

    def create(self, entity_set: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
        """``POST`` → the created entity (with ``@odata.etag``); expects 201."""
        entity: dict[str, Any] = self._json(self._call("POST", entity_set, json=body, what=what))
        return entity

    def upload(self, path: str, content: bytes, etag: str, *, what: str) -> None:
        """``PATCH`` raw bytes (attachment content) with ``If-Match``."""
        headers = {"If-Match": etag, "Content-Type": "application/octet-stream"}
        self._call("PATCH", path, content=content, headers=headers, what=what)

    def action(self, path: str, *, what: str) -> None:
        """A bound action such as ``purchaseInvoices(id)/Microsoft.NAV.post`` (204)."""
        self._call("POST", path, what=what)
