"""Showing a value found in a document in a message: quoted, invisible characters escaped, shortened."""

from __future__ import annotations

import unicodedata

SHOWN = 40
"""Characters of a found value shown in a message."""


def quote(value: str, limit: int = SHOWN) -> str:
    """``value`` in single quotes, safe to print: control, format (bidi) and other invisible
    characters escaped, shortened to ``limit`` characters with its length when longer."""
    shown = "".join(safe_char(ch) for ch in value[:limit])
    return f"'{shown}'" if len(value) <= limit else f"'{shown}…' ({len(value)} characters)"


def safe_char(ch: str) -> str:
    """One character as it is shown: itself, or escaped when it is invisible or a quote."""
    if ch == "\\" or ch == "'":
        return "\\" + ch
    if ch == " " or unicodedata.category(ch)[0] not in "CZ":
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
