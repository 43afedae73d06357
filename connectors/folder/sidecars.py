"""A document's sidecar ``<file>.meta.json``: the purchase system's metadata, read without trusting it.

A sidecar that cannot be used (not UTF-8, not JSON, not an object of strings, too big, a symlink,
or a name too long for the file system) loses the metadata, not the document: the caller hands the
document over with the problem said here, and it is held.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

from connectors.base import INTAKE_PROBLEM, shown

SIDECAR_SUFFIX = ".meta.json"
MAX_SIDECAR_BYTES = 64 * 1024
EXPECTED = "expected an object with customer, approver, remark, account"
OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)
"""How the folder opens what it reads: never through a symbolic link, never blocking on a pipe."""


def json_kind(value: object) -> str:
    """The JSON name of a parsed value's type: object, array, string, boolean, number."""
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return kinds.get(type(value), type(value).__name__)


def parse_sidecar(label: str, raw: bytes) -> tuple[dict[str, str], str | None]:
    """The metadata in a sidecar's bytes, and what is wrong with it (None if nothing).

    UTF-8 with or without a BOM; a JSON object whose values are strings (or null, read as "").
    Values that are not strings are named in the problem and left out; the rest is kept.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return {}, f"{label}: not UTF-8 text (byte {exc.start}) — {EXPECTED}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"{label}: not valid JSON at line {exc.lineno} column {exc.colno} — {EXPECTED}"
    except RecursionError:
        return {}, f"{label}: nested too deeply to be metadata — {EXPECTED}"
    except ValueError as exc:  # e.g. a number with too many digits
        return {}, f"{label}: not valid JSON ({shown(exc, 80)}) — {EXPECTED}"
    if not isinstance(data, dict):
        return {}, f"{label}: a JSON {json_kind(data)}, not an object — {EXPECTED}"
    metadata: dict[str, str] = {}
    bad: list[str] = []
    for key, value in data.items():
        if key == INTAKE_PROBLEM:
            bad.append(f"{key} is reserved")
        elif value is None:
            metadata[key] = ""
        elif isinstance(value, str):
            metadata[key] = value
        else:
            bad.append(f"{shown(key, 40)} is a JSON {json_kind(value)}, not a string")
    if bad:
        return metadata, f"{label}: {'; '.join(bad[:5])} — {EXPECTED}"
    return metadata, None


def read_sidecar(inbox: Path, name: str) -> tuple[dict[str, str], str | None]:
    """The metadata beside document ``name`` and what is wrong with it; ({}, None) when there is none."""
    label = shown(name + SIDECAR_SUFFIX)
    try:
        fd = os.open(inbox / (name + SIDECAR_SUFFIX), OPEN_FLAGS)
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return {}, (
                f"{shown(name)}: the file name is too long for a sidecar {SIDECAR_SUFFIX} beside it, "
                "so the purchase system's metadata could not be given — shorten the file name"
            )
        if exc.errno == errno.ELOOP:
            return {}, f"{label}: a symbolic link; not read — {EXPECTED}"
        return {}, f"{label}: cannot be read ({exc.strerror}) — {EXPECTED}"
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            return {}, f"{label}: not a regular file; not read — {EXPECTED}"
        raw = fh.read(MAX_SIDECAR_BYTES + 1)
    if len(raw) > MAX_SIDECAR_BYTES:
        return {}, f"{label}: more than {MAX_SIDECAR_BYTES:,} bytes; not read — {EXPECTED}"
    return parse_sidecar(label, raw)
