"""A folder as the source of invoices: the simplest purchase system there is.

Each file in the inbox is one document. A sidecar ``<file>.meta.json`` beside it holds the purchase
system's metadata (customer, approver, remark, account string) as one JSON object. Once the robot
has stored a document safely it calls :meth:`FolderSource.acknowledge`, which moves the file and
its sidecar to ``inbox/.done/``. Outcomes are appended to ``inbox/.outcomes.jsonl``::

    >>> import tempfile
    >>> inbox = Path(tempfile.mkdtemp())
    >>> _ = (inbox / "a.xml").write_bytes(b"<Invoice/>")
    >>> _ = (inbox / "a.xml.meta.json").write_text('{"customer": "ufst"}')
    >>> source = FolderSource(inbox)
    >>> [(d.source_ref, dict(d.metadata)) for d in source.fetch()]
    [('a.xml', {'customer': 'ufst'})]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from connectors.base import IncomingDocument
from robot.errors import ConnectorError

SIDECAR_SUFFIX = ".meta.json"
DONE_DIR = ".done"
OUTCOMES_FILE = ".outcomes.jsonl"


class FolderSettings(BaseModel):
    """``source: {kind: folder, inbox: inbox/}``; a relative inbox is relative to the config file."""

    model_config = ConfigDict(extra="forbid")

    inbox: Path


Settings = FolderSettings  # the conventional name config loaders look for


class FolderSource:
    """Documents from a folder; implements :class:`connectors.base.Source`."""

    name = "folder"
    Settings = FolderSettings

    def __init__(self, inbox: Path) -> None:
        self.inbox = Path(inbox)

    @classmethod
    def from_settings(cls, settings: FolderSettings, base_dir: Path) -> FolderSource:
        return cls(base_dir / settings.inbox)

    def fetch(self) -> Iterator[IncomingDocument]:
        """Every document file in the inbox, sorted by name. Hidden files and sidecars are skipped."""
        if not self.inbox.is_dir():
            raise ConnectorError(f"inbox folder {self.inbox} does not exist")
        for path in sorted(self.inbox.iterdir()):
            if path.name.startswith(".") or path.name.endswith(SIDECAR_SUFFIX) or not path.is_file():
                continue
            yield IncomingDocument(
                source_ref=path.name,
                filename=path.name,
                content=path.read_bytes(),
                metadata=self._metadata(path),
            )

    def _metadata(self, path: Path) -> dict[str, str]:
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if not sidecar.exists():
            return {}
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConnectorError(f"{sidecar}: metadata is not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ConnectorError(f"{sidecar}: metadata must be a JSON object, got {type(data).__name__}")
        return {str(k): "" if v is None else str(v) for k, v in data.items()}

    def acknowledge(self, doc: IncomingDocument) -> None:
        """Move the document (and its sidecar) to ``.done/``; atomic rename within the inbox."""
        done = self.inbox / DONE_DIR
        done.mkdir(exist_ok=True)
        for name in (doc.source_ref, doc.source_ref + SIDECAR_SUFFIX):
            path = self.inbox / name
            if path.exists():
                os.replace(path, done / name)

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        """Append ``{"at", "source_ref", "outcome", "detail"}`` as one JSON line to ``.outcomes.jsonl``."""
        record = {
            "at": datetime.now(UTC).isoformat(),
            "source_ref": source_ref,
            "outcome": outcome,
            "detail": dict(detail),
        }
        with (self.inbox / OUTCOMES_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def outcomes(self) -> list[dict[str, object]]:
        """The outcomes reported so far (for the CLI and tests)."""
        path = self.inbox / OUTCOMES_FILE
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def probe(self) -> str:
        """The inbox exists and the robot may move files out of it."""
        if not self.inbox.is_dir():
            raise ConnectorError(f"inbox folder {self.inbox} does not exist")
        if not os.access(self.inbox, os.R_OK | os.W_OK | os.X_OK):
            raise ConnectorError(f"inbox folder {self.inbox} is not readable and writable")
        count = sum(1 for p in self.inbox.iterdir() if p.is_file() and not p.name.startswith("."))
        return f"inbox {self.inbox} readable and writable ({count} files)"

    def close(self) -> None:
        """Nothing to release."""
