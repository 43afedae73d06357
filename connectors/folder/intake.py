"""Taking whole files from the inbox: what is a document, when it has stopped changing, reading it.

Symbolic links, devices, pipes and names that are not printable UTF-8 are never read (each is an
:class:`~connectors.base.IntakeFailure`). A file (or its sidecar) changed within the last
``settle_seconds`` is looked at again after that interval and left for a later fetch if it is
still changing. The size is checked before reading: a file over the limit is handed over with
empty content and the intake problem, so its receipt is stored and held. A file is read only if
it is still the version that settled.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from loguru import logger

from connectors.base import INTAKE_PROBLEM, IncomingDocument, IntakeFailure, shown, too_big
from connectors.folder.sidecars import OPEN_FLAGS, SIDECAR_SUFFIX, read_sidecar

#: what identifies one version of a file: size, mtime (ns), inode
Stamp = tuple[int, int, int]
#: a document's stamp and its sidecar's (None without one)
Stamps = tuple[Stamp, Stamp | None]


def stamp(st: os.stat_result) -> Stamp:
    """The version of a file, from its ``stat``."""
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def name_problem(name: str) -> str | None:
    """Why a file name is not taken (not UTF-8, control characters), or None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8; not read — rename the file"
    if not name.isprintable():
        return "the file name contains control characters; not read — rename the file"
    return None


def examine(inbox: Path, name: str) -> tuple[IntakeFailure | None, Stamps | None]:
    """(a failure, or the file's and its sidecar's stamps); (None, None) for what is no document."""
    ref = shown(name)
    path = inbox / name
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
    problem = name_problem(name)
    if problem:
        return IntakeFailure(ref, problem), None
    if os.path.dirname(os.path.realpath(path)) != os.path.realpath(inbox):
        return IntakeFailure(ref, "resolves outside the inbox; not read"), None
    return None, (stamp(st), _sidecar_stamp(inbox, name))


def _sidecar_stamp(inbox: Path, name: str) -> Stamp | None:
    try:
        return stamp(os.lstat(inbox / (name + SIDECAR_SUFFIX)))
    except OSError:
        return None  # absent, or a name the file system refuses: read_sidecar says which


def settle(
    inbox: Path, found: dict[str, Stamps], listed: dict[str, Stamps], settle_seconds: float
) -> dict[str, Stamps]:
    """The files whose content is not changing: unchanged since the last listing (``listed``), or
    not modified for ``settle_seconds``, or unchanged when looked at again after that interval.

    ``found`` is updated to the stamps seen last; it is the next fetch's ``listed``.
    """
    now = time.time()

    def settled(name: str, stamps: Stamps) -> bool:
        newest = max(s[1] for s in stamps if s is not None) / 1e9
        return listed.get(name) == stamps or now - newest >= settle_seconds

    young = {n: s for n, s in found.items() if not settled(n, s)}
    stable = {n: s for n, s in found.items() if n not in young}
    if young:
        newest = max(s[1] for stamps in young.values() for s in stamps if s is not None) / 1e9
        time.sleep(min(settle_seconds, max(0.0, newest + settle_seconds - now)))
        for name, stamps in young.items():
            again = examine(inbox, name)[1]
            if again == stamps:
                stable[name] = stamps
            elif again is not None:
                logger.info("folder: {} is still being written; taken on a later fetch", shown(name))
                found[name] = again
    return stable


def take(inbox: Path, name: str, settled: Stamp, max_bytes: int) -> IncomingDocument | IntakeFailure | None:
    """The document as it is on disk now, if it is still the version that settled."""
    ref = shown(name)
    try:
        fd = os.open(inbox / name, OPEN_FLAGS)
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
        if stamp(st) != settled:
            logger.info("folder: {} changed since it was listed; taken on a later fetch", ref)
            return None
        problems: list[str] = []
        if st.st_size > max_bytes:
            content = b""  # never read: the receipt is stored and held
            problems.append(too_big(st.st_size, max_bytes))
        else:
            content = fh.read(st.st_size + 1)
            if len(content) != st.st_size or stamp(os.fstat(fh.fileno())) != settled:
                logger.info("folder: {} changed while it was read; taken on a later fetch", ref)
                return None
    metadata, problem = read_sidecar(inbox, name)
    if problem:
        problems.append(problem)
    if problems:
        metadata[INTAKE_PROBLEM] = "; ".join(problems)
    return IncomingDocument(source_ref=name, filename=name, content=content, metadata=metadata)


def take_settled(
    inbox: Path, names: Iterable[str], listed: dict[str, Stamps], settle_seconds: float, max_bytes: int
) -> Iterator[IntakeFailure | tuple[IncomingDocument, Stamp]]:
    """The named files of ``inbox`` as a folder connector takes them: each whole one with
    the stamp it was read at (for :func:`connectors.folder.outcomes.move_done`), or why it is not
    taken (a symbolic link, a device, ...); what is no document, still changing or gone is left
    out. ``listed``, the last call's stamps, becomes this one's once the files settled."""
    found: dict[str, Stamps] = {}
    for name in names:
        failure, stamps = examine(inbox, name)
        if failure is not None:
            yield failure
        elif stamps is not None:
            found[name] = stamps
    stable = settle(inbox, found, listed, settle_seconds)
    listed.clear()
    listed.update(found)
    for name in sorted(stable):
        item = take(inbox, name, stable[name][0], max_bytes)
        if isinstance(item, IncomingDocument):
            yield item, stable[name][0]
        elif item is not None:
            yield item
