"""What every page depends on: the store, the configuration, the logged-in user and the CSRF check.

A page declares who may see it and every POST its CSRF check::

    @router.get("/holds")
    def holds(request: Request, user: User = Depends(viewer)) -> HTMLResponse: ...

    @router.post("/holds/{invoice_id}/release", dependencies=[Depends(csrf_ok)])
    def release(invoice_id: int, user: User = Depends(creditor)) -> Response: ...

Without a valid session a request for a page (``Accept: text/html``) is sent to ``/login`` (303,
with ``next`` for a GET), anything else gets 401; a user of a lower role gets 403. The session is
looked up once per request (cached on ``request.state``); it lives in the database only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from robot.configuration.settings import LoadedConfig, WebSettings
from robot.store.users import ROLES, LiveSession, Users

if TYPE_CHECKING:
    from collections.abc import Callable

    from robot.store.repo import Store

SESSION_COOKIE = "fr_session"
#: the login form's CSRF token before any session exists (a double-submit cookie)
LOGIN_CSRF_COOKIE = "fr_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSET = object()
_RANK = {role: i for i, role in enumerate(ROLES)}


@dataclass(frozen=True)
class User:
    """The logged-in person. ``customer_id``: they see only that customer's invoices (None: all)."""

    name: str
    role: str
    customer_id: str | None = None

    @property
    def can_decide(self) -> bool:
        return _RANK[self.role] >= _RANK["creditor"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees(self, customer_id: str | None) -> bool:
        """Whether an invoice of ``customer_id`` is this user's to see."""
        return self.customer_id is None or self.customer_id == customer_id


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def config_of(request: Request) -> LoadedConfig | None:
    config: LoadedConfig | None = request.app.state.config
    return config


def web_settings(request: Request) -> WebSettings:
    config = config_of(request)
    return config.cfg.web if config is not None else WebSettings()


def users_of(request: Request) -> Users:
    return Users(store_of(request).sessions)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def session_of(request: Request) -> LiveSession | None:
    """The request's valid session, or None (looked up once per request)."""
    cached = getattr(request.state, "web_session", _UNSET)
    if cached is not _UNSET:
        return cached if isinstance(cached, LiveSession) else None
    token = request.cookies.get(SESSION_COOKIE)
    found = None
    if token and len(token) <= 128:
        web = web_settings(request)
        found = users_of(request).session(
            token, idle=timedelta(minutes=web.idle_minutes), lifetime=timedelta(hours=web.session_hours)
        )
    request.state.web_session = found
    if found is not None:
        request.state.user = User(found.person.name, found.person.role, found.person.customer_id)
    return found


def login_required(request: Request) -> HTTPException:
    """The refusal of a request without a session: 303 to /login for a page, else 401."""
    if wants_html(request):
        target = "/login"
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target += "?next=" + quote(here, safe="")
        return HTTPException(status_code=303, headers={"Location": target})
    return HTTPException(status_code=401, detail="login required")


def live_session(request: Request) -> LiveSession:
    """Dependency: the valid session, or the request is refused (:func:`login_required`)."""
    found = session_of(request)
    if found is None:
        raise login_required(request)
    return found


def _needs(role: str) -> Callable[[Request], User]:
    def dependency(request: Request) -> User:
        live_session(request)
        user: User = request.state.user
        if role == CUSTOMER and user.role != CUSTOMER:
            raise HTTPException(status_code=403, detail="these pages are for a customer's own users")
        if user.role == CUSTOMER and role != CUSTOMER:
            if request.url.path == "/" and request.method == "GET" and wants_html(request):
                raise HTTPException(status_code=303, headers={"Location": "/my"})  # a customer's start
            raise HTTPException(status_code=403, detail="this page is for the creditor team")
        if _RANK[user.role] < _RANK[role]:
            raise HTTPException(status_code=403, detail=f"this needs the role {role} (you are {user.role})")
        return user

    dependency.__name__ = role
    return dependency


CUSTOMER = "customer"
#: dependencies: the logged-in user, who must have at least this role; a customer user has none of
#: them (it is sent from ``/`` to ``/my``), and only a customer user passes ``customer``
viewer = _needs("viewer")
creditor = _needs("creditor")
admin = _needs("admin")
customer = _needs(CUSTOMER)


def current_user(request: Request) -> User | None:
    """The logged-in user if the request has a valid session (for pages that are public)."""
    return request.state.user if session_of(request) is not None else None


async def csrf_ok(request: Request, live: LiveSession = Depends(live_session)) -> None:
    """Dependency of every POST: the form field ``csrf_token`` or the header ``X-CSRF-Token``
    must equal the session's token (403 otherwise)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent.encode(), live.csrf_token.encode()):
        raise HTTPException(
            status_code=403, detail="the form's CSRF token is missing or wrong; reload the page"
        )
