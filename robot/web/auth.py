"""Logging in: the session cookie, the login form's CSRF cookie, where to go after, the throttle.

The session cookie ``fr_session`` is HttpOnly, SameSite=Lax, path ``/`` and Secure unless the app
was made with ``secure_cookies=False`` (``fakturarobot web`` on plain http to 127.0.0.1 or
localhost). It carries a random token whose sha256 is all the store keeps
(:mod:`robot.store.users`). The login form, before any session exists, is protected by a
double-submit cookie: ``fr_login_csrf`` must equal the form's ``csrf_token``.
"""

from __future__ import annotations

import math
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import Request, Response

from robot.configuration.settings import WebSettings
from robot.store.schema import utcnow
from robot.store.users import Users
from robot.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE

_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def secure_cookies(request: Request) -> bool:
    return bool(getattr(request.app.state, "secure_cookies", True))


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request), path="/"
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=secure_cookies(request), path="/"
    )


def login_csrf(request: Request) -> str:
    """The login form's CSRF token: the cookie's if it has a well-formed one, else a new one."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return token if _TOKEN.fullmatch(token) else secrets.token_urlsafe(32)


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/login",
        max_age=3600,
    )


def login_csrf_ok(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie and sent) and secrets.compare_digest(cookie.encode(), sent.encode())


def safe_next(target: str | None) -> str:
    """Where to go after the login: a path of this site only, else ``/`` (no open redirect).

    >>> [safe_next(t) for t in ["/holds?customer=X", "//evil.example", "https://evil.example/",
    ...  "/\\\\evil.example", "holds", None, "/ok\\nSet-Cookie: x"]]
    ['/holds?customer=X', '/', '/', '/', '/', '/', '/']
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: uvicorn's ``--forwarded-allow-ips`` makes it the real one)."""
    return request.client.host if request.client is not None else "unknown"


def throttled_minutes(users: Users, web: WebSettings, name: str, address: str) -> int | None:
    """Minutes until the name or address may try again, or None when a try is allowed now."""
    window = timedelta(minutes=web.login_window_minutes)
    failures = users.failures(name, address, window=window)
    if failures.by_name < web.login_max_failures and failures.by_address < web.login_max_failures_per_address:
        return None
    if failures.oldest is None:  # pragma: no cover - failures counted imply an oldest one
        return web.login_window_minutes
    left = (failures.oldest + window - utcnow()).total_seconds()
    return max(1, math.ceil(left / 60))
