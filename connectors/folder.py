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
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import INTAKE_PROBLEM, IncomingDocument, IntakeFailure, Source, shown, too_big
from robot.errors import ConnectorError
from robot.readers.limits import MAX_DOCUMENT_BYTES

SIDECAR_SUFFIX = ".meta.json"
DONE_DIR = ".done"
OUTCOMES_FILE = ".outcomes.jsonl"
MAX_SIDECAR_BYTES = 64 * 1024
IGNORE_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")
EXPECTED = "expected an object with customer, approver, remark, account"
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)

#: what identifies one version of a file: size, mtime (ns), inode
Stamp = tuple[int, int, int]


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


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _json_kind(value: object) -> str:
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
        return {}, f"{label}: a JSON {_json_kind(data)}, not an object — {EXPECTED}"
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
            bad.append(f"{shown(key, 40)} is a JSON {_json_kind(value)}, not a string")
    if bad:
        return metadata, f"{label}: {'; '.join(bad[:5])} — {EXPECTED}"
    return metadata, None


def _name_problem(name: str) -> str | None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8; not read — rename the file"
    if not name.isprintable():
        return "the file name contains control characters; not read — rename the file"
    return None


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
        self._listed: dict[str, tuple[Stamp, Stamp | None]] = {}  # the last listing's stamps
        self._taken: dict[str, Stamp] = {}  # what fetch() read, checked again by acknowledge()

    @classmethod
    def from_settings(cls, settings: FolderSettings, base_dir: Path) -> FolderSource:
        return cls(
            base_dir / settings.inbox,
            settle_seconds=settings.settle_seconds,
            ignore_suffixes=settings.ignore_suffixes,
        )

    # --- fetch ----------------------------------------------------------------------------------

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        """Every whole document file in the inbox, sorted by name; hidden files, sidecars and
        sub-folders are skipped, files still being written are left for a later fetch."""
        if not self.inbox.is_dir():
            raise ConnectorError(f"inbox folder {self.inbox} does not exist")
        candidates: dict[str, tuple[Stamp, Stamp | None]] = {}
        for name in sorted(os.listdir(self.inbox)):
            if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
                continue
            if name.lower().endswith(self.ignore_suffixes):
                continue
            failure, stamps = self._examine(name)
            if failure is not None:
                yield failure
            elif stamps is not None:
                candidates[name] = stamps
        stable = self._settle(candidates)
        for name in sorted(stable):
            item = self._take(name, stable[name][0])
            if item is not None:
                yield item

    def _examine(self, name: str) -> tuple[IntakeFailure | None, tuple[Stamp, Stamp | None] | None]:
        """(a failure, or the file's and its sidecar's stamps); (None, None) for what is no document."""
        ref = shown(name)
        path = self.inbox / name
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None, None  # gone since the listing
        except OSError as exc:
            return IntakeFailure(ref, f"cannot be examined ({exc.strerror}); not read"), None
        if stat.S_ISDIR(st.st_mode):
            return None, None  # a sub-folder is not a document
        if stat.S_ISLNK(st.st_mode):
            reason = "is a symbolic link; not read — the robot takes only regular files inside the inbox"
            return IntakeFailure(ref, reason), None
        if not stat.S_ISREG(st.st_mode):
            return IntakeFailure(ref, "is not a regular file (a device, pipe or socket); not read"), None
        problem = _name_problem(name)
        if problem:
            return IntakeFailure(ref, problem), None
        if os.path.dirname(os.path.realpath(path)) != os.path.realpath(self.inbox):
            return IntakeFailure(ref, "resolves outside the inbox; not read"), None
        return None, (_stamp(st), self._sidecar_stamp(name))

    def _sidecar_stamp(self, name: str) -> Stamp | None:
        try:
            return _stamp(os.lstat(self.inbox / (name + SIDECAR_SUFFIX)))
        except OSError:
            return None  # absent, or a name the file system refuses: _metadata says which

    def _settle(self, found: dict[str, tuple[Stamp, Stamp | None]]) -> dict[str, tuple[Stamp, Stamp | None]]:
        """The files whose content is not changing: unchanged since the last listing, or not
        modified for ``settle_seconds``, or unchanged when looked at again after that interval."""
        now = time.time()

        def settled(name: str, stamps: tuple[Stamp, Stamp | None]) -> bool:
            newest = max(s[1] for s in stamps if s is not None) / 1e9
            return self._listed.get(name) == stamps or now - newest >= self.settle_seconds

        young = {n: s for n, s in found.items() if not settled(n, s)}
        stable = {n: s for n, s in found.items() if n not in young}
        if young:
            newest = max(s[1] for stamps in young.values() for s in stamps if s is not None) / 1e9
            time.sleep(min(self.settle_seconds, max(0.0, newest + self.settle_seconds - now)))
            for name, stamps in young.items():
                again = self._examine(name)[1]
                if again == stamps:
                    stable[name] = stamps
                elif again is not None:
                    logger.info("folder: {} is still being written; taken on a later fetch", shown(name))
                    found[name] = again
        self._listed = found
        return stable

    def _take(self, name: str, stamp: Stamp) -> IncomingDocument | IntakeFailure | None:
        """The document as it is on disk now, if it is still the version that settled."""
        ref = shown(name)
        try:
            fd = os.open(self.inbox / name, _OPEN_FLAGS)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return IntakeFailure(ref, "is a symbolic link; not read")
            return IntakeFailure(ref, f"cannot be read ({exc.strerror})")
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return IntakeFailure(ref, "is not a regular file; not read")
            if _stamp(st) != stamp:
                logger.info("folder: {} changed since it was listed; taken on a later fetch", ref)
                return None
            problems: list[str] = []
            if st.st_size > self.max_bytes:
                content = b""  # never read: the receipt is stored and held
                problems.append(too_big(st.st_size, self.max_bytes))
            else:
                content = fh.read(st.st_size + 1)
                if len(content) != st.st_size or _stamp(os.fstat(fh.fileno())) != stamp:
                    logger.info("folder: {} changed while it was read; taken on a later fetch", ref)
                    return None
        metadata, problem = self._metadata(name)
        if problem:
            problems.append(problem)
        if problems:
            metadata[INTAKE_PROBLEM] = "; ".join(problems)
        self._taken[name] = stamp
        return IncomingDocument(source_ref=name, filename=name, content=content, metadata=metadata)

    def _metadata(self, name: str) -> tuple[dict[str, str], str | None]:
        """The sidecar's metadata and what is wrong with it; ({}, None) when there is no sidecar."""
        label = shown(name + SIDECAR_SUFFIX)
        try:
            fd = os.open(self.inbox / (name + SIDECAR_SUFFIX), _OPEN_FLAGS)
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

    # --- after storing --------------------------------------------------------------------------

    def acknowledge(self, doc: IncomingDocument) -> None:
        """Move the document (and its sidecar) to ``.done/``; atomic rename within the inbox.

        A document that changed on disk since fetch() read it is left in the inbox (and this
        raises), so the whole file is taken on the next fetch instead of the bytes read.
        """
        ref = doc.source_ref
        if not ref or "/" in ref or "\0" in ref or ref.startswith("."):
            raise ConnectorError(f"folder: {shown(ref)} is not a file name in the inbox")
        done = self.inbox / DONE_DIR
        done.mkdir(exist_ok=True)
        read = self._taken.pop(ref, None)
        path = self.inbox / ref
        try:
            now = _stamp(os.lstat(path))
        except FileNotFoundError:
            now = None  # acknowledged before
        if now is not None:
            if read is not None and now != read:
                raise ConnectorError(
                    f"folder: {shown(ref)} changed after it was read; left in the inbox to be taken again"
                )
            os.replace(path, done / ref)
        try:
            os.replace(self.inbox / (ref + SIDECAR_SUFFIX), done / (ref + SIDECAR_SUFFIX))
        except FileNotFoundError:
            pass
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:  # such a sidecar cannot exist
                raise

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
