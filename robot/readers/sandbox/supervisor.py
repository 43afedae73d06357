"""Supervising the reader child: start it, time each document, tell why it stopped, replace it.

:class:`Pool` is the process's one child, used one document at a time and replaced after it was
stopped, after a document that made it large and after :data:`RECYCLE_AFTER` documents;
:class:`Child` is one running process with its pipes, the wall-clock deadline of a document and
the reading of its exit status (signal, peak memory, last words on stderr) into a reason;
:func:`stopped_error` turns that reason into the :class:`~robot.errors.ReadError` the invoice is
held with.
"""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from robot.configuration.cachedir import CACHE_ENV, cache_dir
from robot.errors import ReadError
from robot.readers.limits import READ_CPU_SECONDS, READ_MEMORY_BYTES, READ_WALL_SECONDS, MiB
from robot.readers.sandbox.protocol import HEADER, frame, load_answer

if TYPE_CHECKING:
    from robot.model import Invoice
    from robot.pdftext import TemplateSet

RECYCLE_AFTER = 500
"""Documents one child reads before it is replaced (bounds slow growth from fragmentation)."""

_CHILD_ENV = ("PATH", "LANG", "TMPDIR", "PYTHONHASHSEED", "PYTHONUTF8")  # nothing else is passed on


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """What reading one document in the child may cost."""

    memory_bytes: int = READ_MEMORY_BYTES
    cpu_seconds: int = READ_CPU_SECONDS
    wall_seconds: float = READ_WALL_SECONDS


DEFAULT_LIMITS = SandboxLimits()


class _Stopped(Exception):
    """The child ended or was stopped while reading; ``why`` says how."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Child:
    """One running reader process and its pipes."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self.owner = os.getpid()
        self.documents = 0
        self.stderr_mark = 0
        self.templates: TemplateSet | None = None
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        env = {k: v for k, v in os.environ.items() if k in _CHILD_ENV or k.startswith("LC_")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # the parent's code, not secrets
        # the child validates templates with pydantic: no plugin of the parent's environment is
        # looked for (a scan of every installed package's entry points) or run on supplier data
        env["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
        # the folder of the parent's caches (templates, OCR text): a scan is OCR'd once, not per read
        env[CACHE_ENV] = str(cache_dir())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "robot.readers.sandbox.child", str(limits.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            close_fds=True,
        )

    @property
    def alive(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None

    def ask(self, request: bytes, timeout: float) -> bytes:
        """Send one framed request and wait for the framed answer, at most ``timeout`` seconds."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        try:
            self.proc.stdin.write(request)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Stopped(self._ended()) from None
        fd = self.proc.stdout.fileno()
        self.stderr_mark = self.stderr.seek(0, io.SEEK_END)
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            header = self._read_exact(fd, HEADER.size, deadline, sel)
            return self._read_exact(fd, HEADER.unpack(header)[0], deadline, sel)

    def _read_exact(self, fd: int, size: int, deadline: float, sel: selectors.BaseSelector) -> bytes:
        buf = bytearray()
        while len(buf) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                self.kill()
                raise _Stopped("wall")
            chunk = os.read(fd, min(size - len(buf), 1 << 20))
            if not chunk:
                raise _Stopped(self._ended())
            buf += chunk
        return bytes(buf)

    def _ended(self) -> str:
        """Why the child's output ended: its exit status and peak memory, waited for."""
        code, peak = self._reap()
        said = self._stderr_since_mark()
        if code == -signal.SIGXCPU:
            return "cpu"
        if "MemoryError" in said:  # e.g. "Cannot recover from MemoryErrors", then abort()
            return "memory"
        if code is not None and code < 0 and peak >= self.limits.memory_bytes * 3 // 4:
            return "memory"  # C code that does not check malloc() crashes at the ceiling
        if code == -signal.SIGKILL:
            return "killed"
        if code is not None and code < 0:
            return f"signal {signal.Signals(-code).name}"
        lines = said.strip().splitlines()
        return f"exit {code}: {lines[-1] if lines else 'no message'}"

    def _reap(self) -> tuple[int | None, int]:
        """Wait for the ended child (killing it after 5 s): its exit code and peak RSS in bytes."""
        deadline = time.monotonic() + 5
        while True:
            try:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            except ChildProcessError:  # already reaped
                return self.proc.returncode, 0
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                return self.proc.returncode, usage.ru_maxrss * 1024
            if time.monotonic() > deadline:
                self.proc.kill()
                deadline = time.monotonic() + 5
            time.sleep(0.01)

    def _stderr_since_mark(self) -> str:
        """What the child wrote to stderr while reading the current document (its last 8 KiB)."""
        try:
            end = self.stderr.seek(0, io.SEEK_END)
            self.stderr.seek(max(self.stderr_mark, end - 8192))
            return self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        """End the child: EOF on its stdin, a short wait, then kill. Every pipe is closed."""
        if self.owner != os.getpid():  # inherited through fork: not ours to wait for
            self.proc.returncode = self.proc.returncode if self.proc.returncode is not None else 0
            return
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.stderr.close()


class Pool:
    """The process's one reader child, started on first use; one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: Child | None = None

    def _started(self, limits: SandboxLimits) -> Child:
        """The running child for ``limits``, started (or replaced) if there is none; under the lock."""
        child = self._child
        if child is None or not child.alive or child.limits.memory_bytes != limits.memory_bytes:
            if child is not None:
                child.close()
            child = self._child = Child(limits)
        return child

    def warm(self, limits: SandboxLimits) -> None:
        """Start the child now, so that its start-up overlaps the caller's own (it is not waited for)."""
        with self._lock:
            self._started(limits)

    def read(
        self, content: bytes, filename: str, templates: TemplateSet | None, limits: SandboxLimits, what: str
    ) -> Invoice:
        """Read one document in the child (``what`` names it in an error: "the PDF")."""
        with self._lock:
            child = self._started(limits)
            sent = templates is not child.templates
            request = frame((filename, content, sent, templates if sent else None, limits.cpu_seconds))
            try:
                answer = child.ask(request, limits.wall_seconds)
            except _Stopped as stop:
                child.close()
                self._child = None
                raise stopped_error(stop.why, what, filename, limits) from None
            child.templates = templates
            child.documents += 1
            kind, payload, recycle = load_answer(answer, filename)
            if recycle or child.documents >= RECYCLE_AFTER:
                child.close()
                self._child = None
        if kind == "ok":
            invoice: Invoice = payload
            return invoice
        if kind == "memory":
            raise stopped_error("memory", what, filename, limits)
        reason, file, field, expected = payload
        raise ReadError(reason, file=file or filename, field=field, expected=expected)

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None


def stopped_error(why: str, what: str, filename: str, limits: SandboxLimits) -> ReadError:
    memory = f"{limits.memory_bytes // MiB} MiB of memory"
    cpu = f"{limits.cpu_seconds} s of CPU time"
    reasons = {
        "memory": f"reading {what} needed more than {memory} (the limit for one document)",
        "cpu": f"reading {what} needed more than {cpu} (the limit for one document)",
        "wall": f"reading {what} took longer than {limits.wall_seconds:g} s (the limit for one document)",
        "killed": f"reading {what} was killed (by the system, out of memory?) before it finished",
    }
    reason = reasons.get(why, f"the reader crashed while reading {what} ({why})")
    return ReadError(
        f"{reason}; it was stopped and the document is held unread",
        file=filename,
        expected=f"a document that can be read with at most {memory} and {cpu}",
    )
