"""A disk cache of text that was expensive to read from a PDF (OCR), keyed by what produced it.

Reading a scanned invoice by OCR costs seconds of CPU a page, and the same bytes are read again:
the web console re-reads an invoice from its stored bytes on every page view, a retry re-reads a
held one. :class:`TextCache` keeps such text under ``$FAKTURAROBOT_CACHE_DIR/pdf-text`` (the
folder of :func:`robot.configuration.cachedir.cache_dir`), one file per reading::

    >>> import tempfile
    >>> cache = TextCache(Path(tempfile.mkdtemp()) / "pdf-text")
    >>> key = cache.key(b"%PDF-1.4 ...", {"reading": "ocr", "tools": {"tesseract": "5.3.0"}, "dpi": 300})
    >>> cache.get(key) is None
    True
    >>> cache.put(key, "Faktura 1001\\nside 2")
    >>> cache.get(key)
    'Faktura 1001\\nside 2'

The key is the SHA-256 of the document's SHA-256 together with the reading: the tool, its version
and every option that changes the text (languages, resolution, limits), and :data:`CACHE_FORMAT`;
other bytes, another tool version or other options are another key, so one document's text never
answers for another's. The file is named by that key (64 hex digits, nothing from the document);
it holds the key again and a checksum of the text, and an entry whose key, checksum or format is
not right (cut short, edited, copied over) is ignored and removed. Written atomically (a private
temporary file, then renamed). Bounded: an entry over :data:`MAX_ENTRY_BYTES` is not kept, and
after each write the least recently used entries are removed until the folder holds at most
:data:`MAX_CACHE_BYTES`. Only successful readings are kept: a document that failed is read again.

The folder is private (mode 0700, created so); a folder not owned by this user, or that others
may write to, is not used at all: nobody else can plant a text there. The reader sandbox runs as
the same user (it bounds memory and time; it is not a privilege boundary) and shares the folder;
a process without ``$FAKTURAROBOT_CACHE_DIR``, ``$XDG_CACHE_HOME`` or ``$HOME`` (a stripped
environment) has no cache (:meth:`TextCache.configured` is None) and writes nothing to disk.
A cache that cannot be read or written is ignored: it never makes a reading fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from robot.configuration.cachedir import CACHE_ENV, cache_dir

__all__ = ["CACHE_FORMAT", "MAX_CACHE_BYTES", "MAX_ENTRY_BYTES", "TextCache"]

CACHE_FORMAT = 1
"""Raised when what the readers make of a tool's output changes, so older entries are not used."""
MAX_CACHE_BYTES = 64 * 1024 * 1024
"""The folder's size at most: some thousands of scanned invoices' text."""
MAX_ENTRY_BYTES = 4 * 1024 * 1024
"""One entry at most (a 10-page scan is well under 200 KiB of text)."""
FOLDER = "pdf-text"
_SUFFIX = ".json"
_STALE_SECONDS = 3600  # a temporary file this old was left by a writer that died


class TextCache:
    """Texts read from PDFs, one file per key, in ``folder`` (at most ``max_bytes`` in all)."""

    def __init__(self, folder: Path, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    @classmethod
    def configured(cls) -> TextCache | None:
        """The robot's cache (``pdf-text`` in its cache folder), or None in a stripped environment."""
        if not any(os.environ.get(name) for name in (CACHE_ENV, "XDG_CACHE_HOME", "HOME")):
            return None
        return cls(cache_dir() / FOLDER)

    @staticmethod
    def key(content: bytes, reading: Mapping[str, object]) -> str:
        """The key of ``content`` read by ``reading`` (the tool, its version and options; JSON)."""
        described = {"format": CACHE_FORMAT, "document": hashlib.sha256(content).hexdigest(), **reading}
        canonical = json.dumps(described, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str) -> str | None:
        """The text kept for ``key``, or None (not kept, not trusted, or not right)."""
        path = self._entry(key)
        if path is None or not self._trusted():
            return None
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > MAX_ENTRY_BYTES:
                    raise ValueError("too large")
                stored = json.loads(handle.read())
            text = stored["text"]
            right = (
                stored["format"] == CACHE_FORMAT
                and stored["key"] == key
                and isinstance(text, str)
                and stored["sha256"] == _checksum(text)
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            right, text = False, None
        if not right or not isinstance(text, str):
            _remove(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: removed last when the folder is full
        return text

    def put(self, key: str, text: str) -> None:
        """Keep ``text`` for ``key`` (unless it is too large), then bound the folder's size."""
        path = self._entry(key)
        entry = json.dumps(
            {"format": CACHE_FORMAT, "key": key, "sha256": _checksum(text), "text": text}
        ).encode("ascii")
        if path is None or len(entry) > MAX_ENTRY_BYTES or len(entry) > self.max_bytes:
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._trusted():
                return
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")  # mode 0600
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(entry)
                os.replace(temporary, path)
            except BaseException:
                _remove(Path(temporary))
                raise
        except OSError:
            return
        self._bound()

    def read_through(
        self, content: bytes, reading: Mapping[str, object] | None, read: Callable[[], str]
    ) -> str:
        """The text kept for ``content`` read by ``reading``, else ``read()``, then kept. A reading
        that cannot be described (None) is not cached; an exception from ``read`` is not kept."""
        if reading is None:
            return read()
        key = self.key(content, reading)
        kept = self.get(key)
        if kept is not None:
            return kept
        text = read()
        self.put(key, text)
        return text

    def _entry(self, key: str) -> Path | None:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            return None  # only a key made by key(): never a path from elsewhere
        return self.folder / f"{key}{_SUFFIX}"

    def _trusted(self) -> bool:
        """The folder is this user's and nobody else may write to it."""
        try:
            info = os.stat(self.folder)
        except OSError:
            return False
        private = not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and private

    def _bound(self) -> None:
        """Remove the least recently used entries until the folder holds at most ``max_bytes``."""
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        try:
            with os.scandir(self.folder) as found:
                for item in found:
                    info = item.stat(follow_symlinks=False)
                    if item.name.endswith(".part"):
                        if now - info.st_mtime > _STALE_SECONDS:
                            _remove(Path(item.path))
                    elif item.name.endswith(_SUFFIX):
                        entries.append((info.st_mtime, info.st_size, Path(item.path)))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            _remove(path)
            total -= size


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
