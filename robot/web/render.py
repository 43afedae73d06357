"""Rendering a page: Jinja2 with autoescape on for every template, undefined names are errors.

    return render(request, "holds.html", {"rows": rows}, status=200)

Every template extends ``base.html`` and gets, besides what the page passes: ``_`` (``_(da, en)``
is the text in the request's language: Danish unless ``?lang=en`` or the cookie ``lang`` says
English), ``lang``, ``user`` (:class:`~robot.web.deps.User` or None), ``csrf_token`` (for every
form), ``now`` (aware, UTC), ``lang_url`` (``lang_url("en")``: this page in English), ``request``;
and the filters ``money`` (Decimal → ``1.234,50`` in Danish, ``1,234.50`` in English), ``when``
(an aware datetime in Europe/Copenhagen, ``2026-12-01 13:05``), ``day`` (``2026-12-01``) and
``longday`` (``1. december 2026`` / ``1 December 2026``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from robot.processing.customer_state import longday as long_date
from robot.store.schema import utcnow

TEMPLATES = Path(__file__).resolve().parent / "templates"
ZONE = ZoneInfo("Europe/Copenhagen")
LANGS = ("da", "en")


def lang_of(request: Request) -> str:
    """``?lang=`` wins, then the ``lang`` cookie; Danish by default."""
    asked = request.query_params.get("lang") or request.cookies.get("lang")
    return asked if asked in LANGS else "da"


def translator(lang: str) -> Callable[[str, str], str]:
    def _(da: str, en: str) -> str:
        return en if lang == "en" else da

    return _


def money(value: Decimal | int | None, lang: str = "da") -> str:
    """
    >>> money(Decimal("1234.5")), money(Decimal("-1234567.125"), "en"), money(None)
    ('1.234,50', '-1,234,567.13', '')
    """
    if value is None:
        return ""
    text = format(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ",.2f")
    return text if lang == "en" else text.translate(str.maketrans(",.", ".,"))


def local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: times must be timezone-aware")
    return value.astimezone(ZONE)


def when(value: datetime | None) -> str:
    return "" if value is None else local(value).strftime("%Y-%m-%d %H:%M")


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return (local(value) if isinstance(value, datetime) else value).strftime("%Y-%m-%d")


def longday(value: date | datetime | None, lang: str = "da") -> str:
    """
    >>> longday(date(2026, 12, 1)), longday(date(2026, 12, 1), "en")
    ('1. december 2026', '1 December 2026')
    """
    if value is None:
        return ""
    return long_date(local(value).date() if isinstance(value, datetime) else value, lang)


@pass_context
def _money(ctx: Context, value: Decimal | int | None) -> str:
    return money(value, str(ctx.get("lang", "da")))


@pass_context
def _longday(ctx: Context, value: date | datetime | None) -> str:
    return longday(value, str(ctx.get("lang", "da")))


ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,  # every template, whatever its name
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(money=_money, when=when, day=day, longday=_longday)


def base_context(request: Request) -> dict[str, Any]:
    lang = lang_of(request)

    def lang_url(target: str) -> str:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return request.url.path + "?" + urlencode([*kept, ("lang", target)])

    state = request.state
    session = getattr(state, "web_session", None)
    return {
        "request": request,
        "_": translator(lang),
        "lang": lang,
        "lang_url": lang_url,
        "user": getattr(state, "user", None) if session is not None else None,
        "csrf_token": session.csrf_token if session is not None else getattr(state, "login_csrf", ""),
        "now": utcnow(),
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The template rendered with the base context and ``context`` (which wins on a clash)."""
    html = ENV.get_template(template).render({**base_context(request), **(context or {})})
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))
