"""Server-side SVG charts for the console: horizontal bars and lines, no script, nothing fetched.

Each function returns the chart as inline SVG markup (a :class:`markupsafe.Markup`) built here
with every text escaped, so a template inserts it as it is while the labels (supplier names,
customer ids: supplier input) stay inert text::

    >>> svg = bars([("<b>Acme</b>", 3), ("Beta & Co", 1)], title="Holds")
    >>> "&lt;b&gt;Acme&lt;/b&gt;" in svg and "<b>" not in svg
    True

Colours are presentation attributes (``fill``, ``stroke``), never ``style`` attributes, so the
console's strict Content-Security-Policy (no inline style) leaves them alone; the font is the
browser's own sans-serif. Every chart has a ``<title>`` and a ``role="img"`` label, and every
mark a ``<title>`` with its exact value; the page shows the numbers in a table beside it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

#: colour-blind safe (Okabe & Ito), in the order series get them
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
GRID, AXIS, INK = "#d0d0d0", "#707070", "#222222"
FONT = 'font-family="sans-serif" font-size="12"'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

Number = Callable[[float], str]


def text(value: object, limit: int | None = None) -> str:
    """``value`` as escaped XML text (attribute-safe), characters XML cannot hold replaced.

    >>> text('a"<&>\\x00b')
    'a&quot;&lt;&amp;&gt;\ufffdb'
    >>> text("Leverandøren A/S med et langt navn", limit=12)
    'Leverandøre…'
    """
    shown = _NOT_XML.sub("\ufffd", str(value))
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return escape(shown, quote=True)


def whole(value: float) -> str:
    """A count as the tables show it (``1234``; fractions rounded)."""
    return str(round(value))


def percent(value: float) -> str:
    """A rate 0..1 as a percentage (``87 %``)."""
    return f"{value * 100:.0f} %"


def _nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop ends at 10 * power


def _ticks(value: float) -> tuple[float, float]:
    """The axis maximum and the step between its grid lines: a round step (1, 2 or 5 times a power
    of ten, at least 1: counts are whole), at most five steps up to a multiple of it above ``value``.

    >>> _ticks(7), _ticks(10), _ticks(0), _ticks(1234)
    ((8.0, 2.0), (10.0, 2.0), (1.0, 1.0), (1500.0, 500.0))
    """
    if value <= 0:
        return 1.0, 1.0
    for power in (10.0**k for k in range(0, 20)):
        for unit in (1, 2, 5):
            step = unit * power
            if value <= 5 * step:
                return step * math.ceil(value / step), step
    return value, value  # pragma: no cover - beyond 5e19


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{text(title)}" {FONT}>'
        f"<title>{text(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # every text in it went through text()


def bars(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    number: Number = whole,
    width: int = 640,
    label_width: int = 220,
) -> Markup:
    """One horizontal bar per ``(label, value)``, in the given order, the value beside each bar."""
    row, top = 24, 8
    height = top * 2 + row * max(len(items), 1)
    body: list[str] = []
    if not items:
        body.append(f'<text x="{width // 2}" y="{top + 16}" text-anchor="middle" fill="{AXIS}">–</text>')
        return _svg(width, height, title, body)
    most = _nice_ceiling(max(v for _, v in items))
    span = width - label_width - 70
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = max(span * value / most, 0.0)
        body.append(
            f"<g><title>{text(label)}: {text(number(value))}</title>"
            f'<text x="{label_width - 6}" y="{y + 16}" text-anchor="end" fill="{INK}">'
            f"{text(label, 32)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 16}" fill="{INK}">'
            f"{text(number(value))}</text></g>"
        )
    body.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - top}" stroke="{AXIS}"/>'
    )
    return _svg(width, height, title, body)


def lines(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    number: Number = whole,
    y_max: float | None = None,
    width: int = 640,
    height: int = 260,
) -> Markup:
    """One line per ``(name, values)`` over ``x_labels`` (a ``None`` value leaves a gap), a legend below.

    ``y_max`` fixes the axis (1.0 for rates); otherwise it is a round number above the largest value.
    """
    left, right, top, bottom = 48, 16, 12, 40
    legend_rows = math.ceil(len(series) / 3)
    total_height = height + legend_rows * 18
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    most, step = _ticks(max(values, default=0.0)) if y_max is None else (y_max, y_max / 4)
    n = len(x_labels)

    def x_of(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0.0)

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * min(max(v / most, 0.0), 1.0)

    body: list[str] = []
    for k in range(round(most / step) + 1):  # grid lines and the axis numbers
        v = step * k
        y = y_of(v)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{text(number(v))}</text>'
        )
    every = max(1, math.ceil(n / 12))  # at most about twelve labels under the axis
    for i, label in enumerate(x_labels):
        if i % every == 0:
            body.append(
                f'<text x="{x_of(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="{AXIS}">{text(label, 10)}</text>'
            )
    for s, (name, vs) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        body.append(f"<g><title>{text(name)}</title>")
        for segment in _segments(vs):
            points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in segment)
            body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, known in enumerate(vs):
            if known is not None and i < n:
                body.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{y_of(known):.1f}" r="3" fill="{colour}">'
                    f"<title>{text(name)} {text(x_labels[i])}: {text(number(known))}</title></circle>"
                )
        body.append("</g>")
        lx, ly = left + (s % 3) * (plot_w // 3), height + (s // 3) * 18
        body.append(
            f'<rect x="{lx}" y="{ly - 10}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{ly}" fill="{INK}">{text(name, 28)}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    return _svg(width, total_height, title, body)


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The runs of consecutive known values (a line is not drawn across a gap).

    >>> _segments([1, None, 2, 3])
    [[(0, 1)], [(2, 2), (3, 3)]]
    """
    out: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                out.append(current)
            current = []
        else:
            current.append((i, v))
    if current:
        out.append(current)
    return out
