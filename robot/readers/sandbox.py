"""Read a document in a bounded child process, so that no document can take the robot down.

``read_bounded`` is :func:`robot.readers.read_document` with a ceiling: PDFs, and XML over
:data:`~robot.readers.limits.IN_PROCESS_XML_BYTES`, are read in a child process
(``python -m robot.readers.sandbox``) limited to :data:`~robot.readers.limits.READ_MEMORY_BYTES`
of address space above its start-up size (``RLIMIT_AS``) and
:data:`~robot.readers.limits.READ_CPU_SECONDS` of CPU time per document (``RLIMIT_CPU``, raised
before each document), and waited for at most :data:`~robot.readers.limits.READ_WALL_SECONDS`.
A document that hits a limit, or crashes the reader, is a :class:`~robot.errors.ReadError` naming
the file and the limit::

    invoice.pdf: reading the PDF needed more than 512 MiB of memory (the limit for one document);
    it was stopped and the document is held unread

Small XML is read in-process: it is cheap (no entities, nesting at most 256 deep) and most
invoices are such. The child is started on first use and reused (documents are framed pickles on
its stdin/stdout), so a document costs one round trip, not a process start; it is replaced after
it was stopped, after a document that made it large, and after :data:`RECYCLE_AFTER` documents.
The answer is unpickled with an allow-list (the invoice model, dates and decimals only).
"""

from __future__ import annotations

import atexit
import io
import os
import pickle
import resource
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from robot.codes import SourceFormat
from robot.errors import ReadError
from robot.readers.limits import (
    IN_PROCESS_XML_BYTES,
    MAX_DOCUMENT_BYTES,
    MAX_XML_BYTES,
    READ_CPU_SECONDS,
    READ_MEMORY_BYTES,
    READ_WALL_SECONDS,
    MiB,
)

if TYPE_CHECKING:
    from robot.model import Invoice
    from robot.pdftext import TemplateSet

__all__ = ["SandboxLimits", "read_bounded", "shutdown"]

RECYCLE_AFTER = 500
"""Documents one child reads before it is replaced (bounds slow growth from fragmentation)."""

_HEADER = struct.Struct(">Q")
_CHILD_ENV = ("PATH", "LANG", "TMPDIR", "PYTHONHASHSEED", "PYTHONUTF8")  # nothing else is passed on
_ALLOWED_GLOBALS = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    (SourceFormat.__module__, SourceFormat.__name__),  # Invoice.format (defined in robot.codes)
}


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """What reading one document in the child may cost."""

    memory_bytes: int = READ_MEMORY_BYTES
    cpu_seconds: int = READ_CPU_SECONDS
    wall_seconds: float = READ_WALL_SECONDS


DEFAULT_LIMITS = SandboxLimits()


def read_bounded(
    content: bytes,
    filename: str = "<bytes>",
    pdf_templates: TemplateSet | None = None,
    *,
    limits: SandboxLimits | None = None,
) -> Invoice:
    """Read one invoice document like ``read_document``, within memory and time limits.

    Only :class:`~robot.errors.ReadError` escapes, also when the reader was stopped or crashed.
    """
    from robot.readers import read_document

    data = bytes(content) if isinstance(content, bytearray | memoryview) else content
    if isinstance(data, bytes) and len(data) > MAX_DOCUMENT_BYTES:
        raise ReadError(
            f"the document is {len(data):,} bytes, more than the limit of {MAX_DOCUMENT_BYTES:,} bytes",
            file=filename,
            expected=f"at most {MAX_DOCUMENT_BYTES:,} bytes",
        )
    if not isinstance(data, bytes) or not _needs_sandbox(data):
        return read_document(data, filename, pdf_templates)
    return _pool.read(data, filename, pdf_templates, limits or DEFAULT_LIMITS)


def _is_pdf(content: bytes) -> bool:
    return content[:1024].lstrip().startswith(b"%PDF")


def _needs_sandbox(content: bytes) -> bool:
    """PDFs always; XML only when big enough to be costly (too big is refused in-process, unread)."""
    return _is_pdf(content) or IN_PROCESS_XML_BYTES < len(content) <= MAX_XML_BYTES


def shutdown() -> None:
    """Stop the reader child (it is started again when needed)."""
    _pool.close()


# -- the parent side ---------------------------------------------------------------------------


class _Stopped(Exception):
    """The child ended or was stopped while reading; ``why`` says how."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _Child:
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
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "robot.readers.sandbox", str(limits.memory_bytes)],
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
            self.proc.stdin.write(_HEADER.pack(len(request)))
            self.proc.stdin.write(request)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Stopped(self._ended()) from None
        fd = self.proc.stdout.fileno()
        self.stderr_mark = self.stderr.seek(0, io.SEEK_END)
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            header = self._read_exact(fd, _HEADER.size, deadline, sel)
            return self._read_exact(fd, _HEADER.unpack(header)[0], deadline, sel)

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


class _Pool:
    """The process's one reader child, started on first use; one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: _Child | None = None

    def read(
        self, content: bytes, filename: str, templates: TemplateSet | None, limits: SandboxLimits
    ) -> Invoice:
        what = "the PDF" if _is_pdf(content) else "the XML document"
        with self._lock:
            child = self._child
            if child is None or not child.alive or child.limits.memory_bytes != limits.memory_bytes:
                if child is not None:
                    child.close()
                child = self._child = _Child(limits)
            sent = templates is not child.templates
            request = pickle.dumps(
                (filename, content, sent, templates if sent else None, limits.cpu_seconds),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            try:
                answer = child.ask(request, limits.wall_seconds)
            except _Stopped as stop:
                child.close()
                self._child = None
                raise _stopped_error(stop.why, what, filename, limits) from None
            child.templates = templates
            child.documents += 1
            kind, payload, recycle = _loads(answer, filename)
            if recycle or child.documents >= RECYCLE_AFTER:
                child.close()
                self._child = None
        if kind == "ok":
            invoice: Invoice = payload
            return invoice
        if kind == "memory":
            raise _stopped_error("memory", what, filename, limits)
        reason, file, field, expected = payload
        raise ReadError(reason, file=file or filename, field=field, expected=expected)

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None


def _stopped_error(why: str, what: str, filename: str, limits: SandboxLimits) -> ReadError:
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


class _AnswerUnpickler(pickle.Unpickler):
    """Only the invoice model and the standard value types it uses: a child's answer is data."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "robot.model" or (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a reader's answer")


def _loads(answer: bytes, filename: str) -> tuple[str, Any, bool]:
    try:
        kind, payload, recycle = _AnswerUnpickler(io.BytesIO(answer)).load()
    except Exception as exc:
        raise ReadError(
            f"the reader's answer could not be understood ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable e-invoice",
        ) from None
    return str(kind), payload, bool(recycle)


_pool = _Pool()
atexit.register(_pool.close)


# -- the child side ----------------------------------------------------------------------------


def _vm_bytes(key: str) -> int:
    """``VmSize``/``VmPeak`` of this process from /proc, in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _read_frame(stream: IO[bytes]) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    return data if len(data) == size else None


def _memory_error_in(exc: BaseException | None) -> bool:
    """A MemoryError anywhere in the chain (the readers turn every failure into a ReadError)."""
    seen = 0
    while exc is not None and seen < 50:
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _child_main(memory_budget: int) -> int:
    """Read documents from stdin until EOF; answer each on stdout as ``(kind, payload, recycle)``."""
    import robot.pdftext
    import robot.readers.cii
    import robot.readers.oioubl2
    import robot.readers.pdf
    import robot.readers.ubl
    from robot.readers import read_document

    del robot  # imported to be loaded before the memory limit is set
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    ceiling = _vm_bytes("VmSize") + memory_budget
    _, as_hard = resource.getrlimit(resource.RLIMIT_AS)
    if as_hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, as_hard)  # already limited from outside: never try to raise it
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    templates: Any = None
    while (frame := _read_frame(requests)) is not None:
        filename, content, sent, new_templates, cpu_seconds = pickle.loads(frame)
        if sent:
            templates = new_templates
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime) + 1 + int(cpu_seconds)
        resource.setrlimit(
            resource.RLIMIT_CPU,
            (soft if cpu_hard == resource.RLIM_INFINITY else min(soft, cpu_hard), cpu_hard),
        )
        reply: tuple[str, Any, bool]
        try:
            reply = ("ok", read_document(content, filename, templates), False)
        except ReadError as err:
            # libxml2 out of memory says "unknown error": an error at the ceiling is the ceiling
            if _memory_error_in(err) or _vm_bytes("VmPeak") >= ceiling - 16 * MiB:
                reply = ("memory", None, True)
            else:
                reply = ("error", (err.reason, err.file, err.field, err.expected), False)
        except MemoryError:
            reply = ("memory", None, True)
        del content
        kind, payload, recycle = reply
        recycle = recycle or _vm_bytes("VmPeak") > ceiling - memory_budget // 2
        try:
            answer = pickle.dumps((kind, payload, recycle), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            answer, recycle = pickle.dumps(("memory", None, True)), True
        answers.write(_HEADER.pack(len(answer)) + answer)
        answers.flush()
        if recycle:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(int(sys.argv[1]) if len(sys.argv) > 1 else READ_MEMORY_BYTES))
