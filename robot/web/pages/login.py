"""``/login`` (the form: ``username``, ``password``) and ``/logout``.

A wrong password and an unknown or disabled name get the same refusal. After
``web.login_max_failures`` failures for a name (or ``login_max_failures_per_address`` from one
address) within ``login_window_minutes`` the login is refused with 429 even with the right
password, until the oldest failure leaves the window; the counts are in the store, so every
instance behind a load balancer sees them.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from robot.configuration.settings import WebSettings
from robot.store.users import Users
from robot.web.auth import (
    clear_session_cookie,
    client_address,
    login_csrf,
    login_csrf_ok,
    safe_next,
    set_login_csrf_cookie,
    set_session_cookie,
    throttled_minutes,
)
from robot.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_ok, session_of, users_of, web_settings
from robot.web.oidc import router as oidc_router
from robot.web.render import lang_of, render, translator

router = APIRouter()
router.include_router(oidc_router)  # /login/oidc and its callback (404 unless web.oidc is configured)


def _form(request: Request, next_url: str, *, error: str = "", status: int = 200, name: str = "") -> Response:
    token = login_csrf(request)
    request.state.login_csrf = token
    context = {"next_url": next_url, "error": error, "username": name, "oidc": _oidc_on(request)}
    response = render(request, "login.html", context, status=status)
    set_login_csrf_cookie(request, response, token)
    return response


def _oidc_on(request: Request) -> bool:
    return web_settings(request).oidc is not None


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if session_of(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    _ = translator(lang_of(request))
    target, name = safe_next(next), username.strip()[:128]
    if not login_csrf_ok(request, csrf_token):
        message = _("Formularen er udløbet. Prøv igen.", "The form has expired. Please try again.")
        return _form(request, target, error=message, status=403, name=name)
    users, web, address = users_of(request), web_settings(request), client_address(request)
    wait = throttled_minutes(users, web, name, address)
    if wait is not None:
        message = _(
            f"For mange forkerte forsøg. Prøv igen om {wait} minutter.",
            f"Too many failed attempts. Try again in {wait} minutes.",
        )
        return _form(request, target, error=message, status=429, name=name)
    person = users.check_password(name, password) if name and password else None
    if person is None:
        users.record_attempt(name, address, ok=False)
        message = _("Forkert brugernavn eller adgangskode.", "Wrong user name or password.")
        return _form(request, target, error=message, status=401, name=name)
    users.record_attempt(name, address, ok=True)
    _tidy(users, web)
    return start_session(request, person.name, target)


def _tidy(users: Users, web: WebSettings) -> None:
    """Forget what can no longer matter: sessions past their time, attempts older than a week
    (at a successful login, which is rare enough for these small deletes)."""
    users.purge_sessions(
        idle=timedelta(minutes=web.idle_minutes), lifetime=timedelta(hours=web.session_hours)
    )
    users.forget_attempts(older_than=max(timedelta(days=7), timedelta(minutes=web.login_window_minutes)))


def start_session(request: Request, name: str, target: str) -> Response:
    """A new session for ``name`` (any earlier one of this browser ended) and a redirect to ``target``."""
    users = users_of(request)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        users.close_session(old)
    token, _csrf = users.open_session(name)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[Depends(csrf_ok)])
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        users_of(request).close_session(token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response
