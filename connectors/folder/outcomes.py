"""After the robot has stored a document: move it out of the inbox, and write down its outcome.

A stored document and its sidecar move to ``inbox/.done/`` (an atomic rename within the inbox),
unless the file changed on disk since it was read; outcomes are appended, one JSON line each and
synced, to ``inbox/.outcomes.jsonl``.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from connectors.base import shown
from connectors.folder.intake import Stamp, stamp
from connectors.folder.sidecars import SIDECAR_SUFFIX
from robot.errors import ConnectorError

DONE_DIR = ".done"
OUTCOMES_FILE = ".outcomes.jsonl"


def move_done(inbox: Path, ref: str, read: Stamp | None) -> None:
    """Move document ``ref`` (and its sidecar) to ``.done/``; ``read`` is its stamp when fetched.

    A document that changed on disk since then is left in the inbox (and this raises), so the
    whole file is taken on the next fetch instead of the bytes read.
    """
    if not ref or "/" in ref or "\0" in ref or ref.startswith("."):
        raise ConnectorError(f"folder: {shown(ref)} is not a file name in the inbox")
    done = inbox / DONE_DIR
    done.mkdir(exist_ok=True)
    path = inbox / ref
    try:
        now = stamp(os.lstat(path))
    except FileNotFoundError:
        now = None  # acknowledged before
    if now is not None:
        if read is not None and now != read:
            raise ConnectorError(
                f"folder: {shown(ref)} changed after it was read; left in the inbox to be taken again"
            )
        os.replace(path, done / ref)
    try:
        os.replace(inbox / (ref + SIDECAR_SUFFIX), done / (ref + SIDECAR_SUFFIX))
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:  # such a sidecar cannot exist
            raise


def append_outcome(inbox: Path, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
    """Append ``{"at", "source_ref", "outcome", "detail"}`` as one JSON line to ``.outcomes.jsonl``."""
    record = {
        "at": datetime.now(UTC).isoformat(),
        "source_ref": source_ref,
        "outcome": outcome,
        "detail": dict(detail),
    }
    with (inbox / OUTCOMES_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_outcomes(inbox: Path) -> list[dict[str, object]]:
    """The outcomes appended so far."""
    path = inbox / OUTCOMES_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
