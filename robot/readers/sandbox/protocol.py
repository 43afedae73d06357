"""The reader child's wire format, shared by both sides: framed pickles and an allow-listed answer.

A request is ``(filename, content, templates_sent, templates, cpu_seconds)``; an answer is
``(kind, payload, recycle)`` with ``kind`` one of ``ok`` (payload: the Invoice), ``error``
(payload: the ReadError's reason, file, field, expected) or ``memory``. Each is one pickle
behind an 8-byte big-endian length. The parent unpickles the answer with an allow-list: the
invoice model, dates and decimals only, so a child that was made to answer anything else is
refused, not obeyed.
"""

from __future__ import annotations

import io
import pickle
import struct
from typing import IO, Any

from robot.codes import SourceFormat
from robot.errors import ReadError

HEADER = struct.Struct(">Q")
"""The length in front of every frame."""

_ALLOWED_GLOBALS = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("builtins", "frozenset"),  # Invoice.present
    (SourceFormat.__module__, SourceFormat.__name__),  # Invoice.format (defined in robot.codes)
}


def frame(payload: object) -> bytes:
    """``payload`` pickled, behind its length."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame's pickle from ``stream``, or None at its end (or a frame cut short)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    data = stream.read(size)
    return data if len(data) == size else None


class _AnswerUnpickler(pickle.Unpickler):
    """Only the invoice model and the standard value types it uses: a child's answer is data."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "robot.model" or (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a reader's answer")


def load_answer(answer: bytes, filename: str) -> tuple[str, Any, bool]:
    """The child's ``(kind, payload, recycle)``; a ReadError if it is not an allowed answer."""
    try:
        kind, payload, recycle = _AnswerUnpickler(io.BytesIO(answer)).load()
    except Exception as exc:
        raise ReadError(
            f"the reader's answer could not be understood ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable e-invoice",
        ) from None
    return str(kind), payload, bool(recycle)
