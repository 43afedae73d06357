"""Loguru set-up for long-running processes (scheduler, workers): ids on every line, JSON if asked.

Log calls bind ``run_id`` and ``invoice_id`` (``logger.bind(run_id=..., invoice_id=...)``); the
text format shows them when present, and the optional JSON sink writes one object per line with
every bound value under ``record.extra``::

    configure_logging("INFO", "var/robot.jsonl", worker="host:123:w0")
    # 18:02:11 INFO    [w=host:123:w0 run=7 inv=42] invoice 42 posted

    >>> print(_format({"extra": {"worker": "host:123:w0", "run_id": 7, "invoice_id": 42}}), end="")
    {time:HH:mm:ss} {level: <7} [w=host:123:w0 run=7 inv=42] {message}
    {exception}
"""

from __future__ import annotations

import sys
from typing import Any

from loguru import logger

_IDS = (("worker", "w"), ("schedule", "sched"), ("run_id", "run"), ("invoice_id", "inv"))


def _format(record: Any) -> str:
    extra = record["extra"]
    ids = " ".join(f"{short}={extra[key]}" for key, short in _IDS if extra.get(key) is not None)
    prefix = f"[{ids}] " if ids else ""
    return (
        "{time:HH:mm:ss} {level: <7} "
        + prefix.replace("{", "{{").replace("}", "}}")
        + "{message}\n{exception}"
    )


def configure_logging(level: str = "INFO", json_log: str | None = None, **bound: Any) -> None:
    """Replace loguru's sinks: text on stderr at ``level``, and JSON lines to ``json_log`` (INFO+)."""
    logger.remove()
    logger.configure(extra=dict(bound))
    logger.add(sys.stderr, level=level.upper(), format=_format)
    if json_log:
        logger.add(json_log, level="INFO", serialize=True)
