"""Single sign-on through the service centre's OpenID Connect provider (``web: {oidc: ...}``).

Authlib's Starlette client does the protocol: discovery (``<issuer>/.well-known/openid-configuration``),
the authorization-code flow with ``state`` and ``nonce``, and the ID token's signature and claims.
The provider's ``preferred_username`` must name an existing, enabled console user (nobody is
created by signing on); then a console session starts exactly as after the login form.

Between ``/login/oidc`` and ``/login/oidc/callback`` the flow's state (state, nonce, where to go
after) rides in a short-lived cookie ``fr_oidc`` signed with HMAC-SHA256 under a key derived from
the client secret, so any instance behind the load balancer can finish a flow another started.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import warnings
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from robot.configuration.settings import OidcSettings
from robot.errors import ConfigError
from robot.web.auth import client_address, safe_next, secure_cookies
from robot.web.deps import users_of
from robot.web.render import lang_of, render, translator

COOKIE = "fr_oidc"
PATH = "/login/oidc"
LIFETIME = 600  # seconds for a person to sign on at the provider

router = APIRouter()


@dataclass(frozen=True)
class Oidc:
    client: Any  # authlib's StarletteOAuth2App (untyped)
    settings: OidcSettings
    key: bytes


def build(settings: OidcSettings) -> Oidc:
    """The client for the configured provider; the secret from its environment variable."""
    with warnings.catch_warnings():
        # Authlib asks for httpx2; the httpx it finds works for its client all the same (its own
        # module sets an "always" filter for its warnings when imported: import it, then ignore)
        import authlib.deprecate  # type: ignore[import-untyped]  # noqa: F401

        warnings.filterwarnings("ignore", "The httpx module is deprecated")
        from authlib.integrations.starlette_client import OAuth  # type: ignore[import-untyped]

    secret = os.environ.get(settings.client_secret_env)
    if not secret:
        raise ConfigError(f"web.oidc.client_secret_env names ${settings.client_secret_env}, which is not set")
    oauth = OAuth()
    oauth.register(
        "idp",
        client_id=settings.client_id,
        client_secret=secret,
        server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile"},
    )
    key = hashlib.sha256(b"fakturarobot oidc flow\0" + secret.encode()).digest()
    return Oidc(oauth.create_client("idp"), settings, key)


def _dump(data: dict[str, Any], key: bytes) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"at": time.time(), "data": data}).encode()).decode()
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _load(value: str | None, key: bytes) -> dict[str, Any]:
    """The flow's data from the cookie, or {} if it is missing, forged or too old."""
    body, _, mac = (value or "").rpartition(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, expected):
        return {}
    try:
        found = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return {}
    if not isinstance(found, dict) or time.time() - float(found.get("at", 0)) > LIFETIME:
        return {}
    data = found.get("data")
    return data if isinstance(data, dict) else {}


def _oidc(request: Request) -> Oidc:
    found: Oidc | None = getattr(request.app.state, "oidc", None)
    if found is None:
        raise HTTPException(status_code=404, detail="single sign-on is not configured")
    return found


@router.get(PATH)
async def oidc_start(request: Request, next: str = "/") -> Response:
    """To the provider's login; back at :func:`oidc_callback`."""
    oidc = _oidc(request)
    request.scope["session"] = {}
    response: Response = await oidc.client.authorize_redirect(request, oidc.settings.redirect_url)
    request.session["next"] = safe_next(next)
    response.set_cookie(
        COOKIE,
        _dump(dict(request.session), oidc.key),
        max_age=LIFETIME,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


@router.get(PATH + "/callback")
async def oidc_callback(request: Request) -> Response:
    """The provider's answer: a console session for its ``preferred_username``, if that is a user."""
    from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
    from joserfc.errors import JoseError

    from robot.web.pages.login import start_session

    oidc = _oidc(request)
    _ = translator(lang_of(request))
    request.scope["session"] = _load(request.cookies.get(COOKIE), oidc.key)
    target = safe_next(request.session.get("next"))
    try:
        token = await oidc.client.authorize_access_token(request)
    except (OAuthError, JoseError):  # a forged or stale state, a bad token, signature or claim
        message = _("Fælles login mislykkedes. Prøv igen.", "Single sign-on failed. Please try again.")
        return _refused(request, message, 401)
    claims = token.get("userinfo") or {}
    name = claims.get("preferred_username")
    users, address = users_of(request), client_address(request)
    person = await run_in_threadpool(users.enabled, name) if isinstance(name, str) and name else None
    if person is None:
        await run_in_threadpool(lambda: users.record_attempt(str(name or "?"), address, ok=False))
        message = _(
            "Dit login kendes ikke som bruger af konsollen. Kontakt en administrator.",
            "Your login is not a user of the console. Ask an administrator.",
        )
        return _refused(request, message, 403)
    await run_in_threadpool(lambda: users.record_attempt(person.name, address, ok=True))
    response: Response = await run_in_threadpool(start_session, request, person.name, target)
    response.delete_cookie(COOKIE, path=PATH)
    return response


def _refused(request: Request, message: str, status: int) -> Response:
    response = render(request, "error.html", {"status": status, "message": message}, status=status)
    response.delete_cookie(COOKIE, path=PATH)
    return response
