"""A folder of bank files (camt.054, camt.053, pain.002) as the robot's bank connector.

The bank (or its file transfer client) drops ``*.xml`` files into the folder; once the robot has
stored a file it calls :meth:`BankFolder.acknowledge`, which moves it to ``.done/`` (as
:mod:`connectors.folder` does with invoices)::

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "camt054-0001.xml").write_bytes(b"<Document/>")
    >>> _ = (folder / "notes.txt").write_text("not a bank file")
    >>> bank = BankFolder(folder, settle_seconds=0)
    >>> [doc.source_ref for doc in bank.fetch()]
    ['camt054-0001.xml']

Only whole regular files are taken, as in the invoice folder: a file changed within the last
``settle_seconds`` is looked at again, names ending in ``.part``/``.tmp``… are never taken, symbolic
links, devices and names that are not printable UTF-8 are :class:`~connectors.base.IntakeFailure`
(left in place). A file over :data:`robot.readers.limits.MAX_DOCUMENT_BYTES` is not read at all: an
``IntakeFailure`` saying its size, the file left in the folder. The contract is
``robot.bank.source.BankSource`` (the kind registered under ``fakturarobot.banks``); an SFTP
or bank API connector fits the same two methods.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import INTAKE_PROBLEM, Connector, IncomingDocument, IntakeFailure
from connectors.folder.intake import Stamp, Stamps, take_settled
from connectors.folder.outcomes import DONE_DIR, move_done
from robot.errors import ConnectorError
from robot.readers.limits import MAX_DOCUMENT_BYTES

IGNORE_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")
SUFFIX = ".xml"


def _is_bank_file(name: str) -> bool:
    """``*.xml``, not hidden and not a name of a file still being written."""
    lowered = name.lower()
    return not name.startswith(".") and lowered.endswith(SUFFIX) and not lowered.endswith(IGNORE_SUFFIXES)


class BankFolderSettings(BaseModel):
    """``bank: {kind: folder, folder: bank/}``; a relative folder is relative to the config file."""

    model_config = ConfigDict(extra="forbid")

    folder: Path
    settle_seconds: float = Field(
        default=1.0, ge=0, le=600, description="a file changed more recently is looked at again after this"
    )


class BankFolder(Connector):
    """Bank files from a folder; implements ``robot.bank.source.BankSource``."""

    name = "folder"
    Settings = BankFolderSettings

    def __init__(
        self, folder: Path, *, settle_seconds: float = 1.0, max_bytes: int = MAX_DOCUMENT_BYTES
    ) -> None:
        self.folder = Path(folder)
        self.settle_seconds = settle_seconds
        self.max_bytes = max_bytes
        self._listed: dict[str, Stamps] = {}
        self._taken: dict[str, Stamp] = {}

    @classmethod
    def from_settings(cls, settings: BankFolderSettings, base_dir: Path) -> BankFolder:
        return cls(base_dir / settings.folder, settle_seconds=settings.settle_seconds)

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        """Every whole ``*.xml`` file in the folder, sorted by name; hidden files and sub-folders
        are skipped, files still being written are left for a later fetch."""
        if not self.folder.is_dir():
            raise ConnectorError(f"bank folder {self.folder} does not exist")
        names = [name for name in sorted(os.listdir(self.folder)) if _is_bank_file(name)]
        for found in take_settled(self.folder, names, self._listed, self.settle_seconds, self.max_bytes):
            if isinstance(found, IntakeFailure):
                yield found
                continue
            doc, settled = found
            problem = doc.metadata.get(INTAKE_PROBLEM)
            if problem and not doc.content:  # over the size limit: never read
                yield IntakeFailure(doc.source_ref, f"{problem}; not read, left in the bank folder")
                continue
            self._taken[doc.source_ref] = settled
            yield IncomingDocument(doc.source_ref, doc.filename, doc.content)  # no sidecars here

    def acknowledge(self, doc: IncomingDocument) -> None:
        """Move the stored file to ``.done/`` (left in place, and this raises, if it changed since)."""
        move_done(self.folder, doc.source_ref, self._taken.pop(doc.source_ref, None))

    def probe(self) -> str:
        """The folder exists and the robot may move files out of it."""
        if not self.folder.is_dir():
            raise ConnectorError(f"bank folder {self.folder} does not exist")
        if not os.access(self.folder, os.R_OK | os.W_OK | os.X_OK):
            raise ConnectorError(f"bank folder {self.folder} is not readable and writable")
        count = sum(1 for p in self.folder.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIX))
        return (
            f"bank folder {self.folder} readable and writable ({count} bank files, done ones in {DONE_DIR}/)"
        )

    def close(self) -> None:
        """Nothing to release."""
