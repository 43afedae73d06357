"""Text from documents, made safe for the creditor team's terminal.

Supplier names, invoice numbers, file names and finding texts come from outside. Before Rich
renders them they go through :func:`safe`:

- control characters (ESC and so every terminal escape sequence, CR, LF, TAB, the other C0 and C1
  controls, U+2028/U+2029) and the invisible direction marks and overrides (U+200E/U+200F, U+061C,
  U+202A–U+202E, U+2066–U+2069) are shown as visible escapes (``\\x1b``, ``\\u202e``), so the
  text is printed as it is, yet cannot move the cursor, recolour the screen or reorder a line;
- Rich markup in it (``[/bold]``, ``[link=…]``) is escaped, so it is printed literally.

Consoles from :func:`terminal` also print ``:emoji:`` codes literally.

    >>> safe("Evil [/bold] [link=http://x]A/S")
    'Evil \\\\[/bold] \\\\[link=http://x]A/S'
    >>> safe("bad\\x1b[31m.xml")
    'bad\\\\x1b[31m.xml'
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape

_UNSAFE = re.compile(
    "[\\x00-\\x1f\\x7f-\\x9f"  # C0 and C1 controls (ESC starts every escape sequence), DEL
    "\\u061c\\u200e\\u200f\\u2028\\u2029"  # direction marks, line and paragraph separators
    "\\u202a-\\u202e\\u2066-\\u2069]"  # direction embeddings, overrides and isolates
)


def visible(value: object) -> str:
    """``str(value)`` with every control and direction character shown as an escape (None → "")."""
    if value is None:
        return ""
    text = str(value)
    return _UNSAFE.sub(lambda m: _escape_char(m.group()), text)


def safe(value: object) -> str:
    """Outside text ready for Rich markup: controls made visible, markup escaped (None → "")."""
    return escape(visible(value))


def terminal(**kwargs: object) -> Console:
    """A Rich console that leaves ``:emoji:`` codes in outside text alone."""
    return Console(emoji=False, **kwargs)  # type: ignore[arg-type]


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
