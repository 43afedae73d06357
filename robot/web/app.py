"""The console application: the pages of :mod:`robot.web.pages`, the static files, the headers.

    app = create_app(load_config(path), Store.open(url, existing=True, upgrade=True))

Every module in ``robot/web/pages/`` is included by its ``router`` (found with
``pkgutil.iter_modules``). Every response carries a strict Content-Security-Policy (no inline
script or style; a route may send its own), ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: same-origin``, ``X-Frame-Options: DENY``, except static files
``Cache-Control: no-store``, and with Secure cookies (served over HTTPS)
``Strict-Transport-Security``. ``?lang=da|en`` also sets the ``lang`` cookie. No state is kept in
the process apart from the store: several instances may serve one store.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from robot.configuration.settings import LoadedConfig
from robot.store.repo import Store
from robot.web import pages
from robot.web.deps import session_of, wants_html
from robot.web.render import LANGS, render

STATIC = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` (where the response has not set its own)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.extra = {b"strict-transport-security": b"max-age=31536000"} if hsts else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        lang = _asked_lang(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in (HEADERS | self.extra).items() if k not in present]
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if lang is not None:
                    cookie = f"lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _asked_lang(scope: Scope) -> str | None:
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == "lang" and value in LANGS:
            return value
    return None


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    location = (exc.headers or {}).get("Location")
    if exc.status_code in (302, 303, 307) and location:
        return RedirectResponse(location, status_code=exc.status_code)
    if wants_html(request):
        session_of(request)  # a logged-in person's error page keeps the menu
        context = {"status": exc.status_code, "message": str(exc.detail)}
        return render(request, "error.html", context, status=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    )
    if wants_html(request):
        return render(request, "error.html", {"status": 422, "message": problems}, status=422)
    return JSONResponse({"detail": problems}, status_code=422)


def page_modules() -> list[str]:
    """The modules of :mod:`robot.web.pages`, by name."""
    return sorted(f"{pages.__name__}.{m.name}" for m in pkgutil.iter_modules(pages.__path__))


def create_app(config: LoadedConfig | None, store: Store, *, secure_cookies: bool = True) -> FastAPI:
    """The console over ``store``. ``secure_cookies=False`` only for plain http on the local host."""
    app = FastAPI(title="fakturarobot", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.config = config
    app.state.secure_cookies = secure_cookies
    sso = config.cfg.web.oidc if config is not None else None
    app.state.oidc = None
    if sso is not None:
        from robot.web.oidc import build

        app.state.oidc = build(sso)  # ConfigError when its secret's environment variable is unset
    app.add_middleware(SecurityHeaders, hsts=secure_cookies)  # HTTPS only: tell browsers to keep it
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for name in page_modules():
        module: Any = importlib.import_module(name)
        app.include_router(module.router)
    return app
