"""A folder as the source of invoices: the simplest purchase system there is.

Each regular file in the inbox is one document. A sidecar ``<file>.meta.json`` beside it holds the
purchase system's metadata (customer, approver, remark, account string) as one JSON object of
strings. Once the robot has stored a document safely it calls :meth:`FolderSource.acknowledge`,
which moves the file and its sidecar to ``inbox/.done/``. Outcomes are appended to
``inbox/.outcomes.jsonl``::

    >>> import tempfile
    >>> inbox = Path(tempfile.mkdtemp())
    >>> _ = (inbox / "a.xml").write_bytes(b"<Invoice/>")
    >>> _ = (inbox / "a.xml.meta.json").write_text('{"customer": "ufst"}')
    >>> source = FolderSource(inbox, settle_seconds=0)
    >>> [(d.source_ref, dict(d.metadata)) for d in source.fetch()]
    [('a.xml', {'customer': 'ufst'})]

Every file is taken on its own, so one bad file never stops the others:

* Only whole files are taken. A file (or its sidecar) changed within the last ``settle_seconds``
  is looked at again after that interval and left for a later run if it is still changing; a
  name ending in ``.part``, ``.tmp`` … (``ignore_suffixes``) is never taken: write a document
  under such a name (or elsewhere) and rename it into place, writing its sidecar first.
* Symbolic links, devices, pipes, and names that are not printable UTF-8 are never read: each is
  an :class:`~connectors.base.IntakeFailure` (recorded by the robot, the file left in place).
* The size is checked (``stat``) before reading: a file over
  :data:`robot.readers.limits.MAX_DOCUMENT_BYTES` is handed over with empty content and the
  intake problem ``file is 210 MB; the limit is 50 MB``, so its receipt is stored and held.
* A sidecar that cannot be used (not UTF-8, not JSON, not an object of strings, too big, a
  symlink, or a name too long for the file system) loses the metadata, not the document: the
  document is handed over with the intake problem saying what is wrong, and held.

The package: :mod:`~connectors.folder.intake` (what is a whole document, and reading it),
:mod:`~connectors.folder.sidecars` (the metadata beside it) and :mod:`~connectors.folder.outcomes`
(moving it out once stored, and the outcomes file); :class:`FolderSource` puts them together.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import IncomingDocument, IntakeFailure, Source
from connectors.folder.intake import Stamp, Stamps, take_settled
from connectors.folder.outcomes import DONE_DIR, OUTCOMES_FILE, append_outcome, move_done, read_outcomes
from connectors.folder.sidecars import (
    EXPECTED,
    MAX_SIDECAR_BYTES,
    SIDECAR_SUFFIX,
    parse_sidecar,
    read_sidecar,
)
from robot.errors import ConnectorError
from robot.readers.limits import MAX_DOCUMENT_BYTES

__all__ = [
    "DONE_DIR",
    "EXPECTED",
    "IGNORE_SUFFIXES",
    "MAX_SIDECAR_BYTES",
    "OUTCOMES_FILE",
    "SIDECAR_SUFFIX",
    "FolderSettings",
    "FolderSource",
    "Settings",
    "Stamp",
    "parse_sidecar",
]

IGNORE_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")


class FolderSettings(BaseModel):
    """``source: {kind: folder, inbox: inbox/}``; a relative inbox is relative to the config file."""

    model_config = ConfigDict(extra="forbid")

    inbox: Path
    settle_seconds: float = Field(
        default=1.0, ge=0, le=600, description="a file changed more recently is looked at again after this"
    )
    ignore_suffixes: tuple[str, ...] = Field(
        default=IGNORE_SUFFIXES, description="files still being written by convention; never taken"
    )


Settings = FolderSettings  # the short name the docs and tests use


class FolderSource(Source):
    """Documents from a folder; implements :class:`connectors.base.Source`."""

    name = "folder"
    Settings = FolderSettings

    def __init__(
        self,
        inbox: Path,
        *,
        settle_seconds: float = 1.0,
        ignore_suffixes: tuple[str, ...] = IGNORE_SUFFIXES,
        max_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.inbox = Path(inbox)
        self.settle_seconds = settle_seconds
        self.ignore_suffixes = tuple(s.lower() for s in ignore_suffixes)
        self.max_bytes = max_bytes
        self._listed: dict[str, Stamps] = {}  # the last listing's stamps
        self._taken: dict[str, Stamp] = {}  # what fetch() read, checked again by acknowledge()

    @classmethod
    def from_settings(cls, settings: FolderSettings, base_dir: Path) -> FolderSource:
        return cls(
            base_dir / settings.inbox,
            settle_seconds=settings.settle_seconds,
            ignore_suffixes=settings.ignore_suffixes,
        )

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        """Every whole document file in the inbox, sorted by name; hidden files, sidecars and
        sub-folders are skipped, files still being written are left for a later fetch."""
        if not self.inbox.is_dir():
            raise ConnectorError(f"inbox folder {self.inbox} does not exist")
        names = [
            name
            for name in sorted(os.listdir(self.inbox))
            if not name.startswith(".")
            and not name.endswith(SIDECAR_SUFFIX)
            and not name.lower().endswith(self.ignore_suffixes)
        ]
        for found in take_settled(self.inbox, names, self._listed, self.settle_seconds, self.max_bytes):
            if isinstance(found, IntakeFailure):
                yield found
                continue
            doc, settled = found
            self._taken[doc.source_ref] = settled
            yield doc

    def _metadata(self, name: str) -> tuple[dict[str, str], str | None]:
        """The sidecar's metadata beside ``name`` and what is wrong with it, as fetch() reads it.

        ``validate`` reads a sidecar through this (robot/processing/validation.py); new code
        calls :func:`connectors.folder.sidecars.read_sidecar` directly.
        """
        return read_sidecar(self.inbox, name)

    def acknowledge(self, doc: IncomingDocument) -> None:
        """Move the document (and its sidecar) to ``.done/``; atomic rename within the inbox.

        A document that changed on disk since fetch() read it is left in the inbox (and this
        raises), so the whole file is taken on the next fetch instead of the bytes read.
        """
        move_done(self.inbox, doc.source_ref, self._taken.pop(doc.source_ref, None))

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        """Append ``{"at", "source_ref", "outcome", "detail"}`` as one JSON line to ``.outcomes.jsonl``."""
        append_outcome(self.inbox, source_ref, outcome, detail)

    def outcomes(self) -> list[dict[str, object]]:
        """The outcomes reported so far (for the CLI and tests)."""
        return read_outcomes(self.inbox)

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
