"""The reader child: reads documents from stdin under its memory and CPU limits, answers on stdout.

Run by the supervisor as ``python -m robot.readers.sandbox.child <memory budget in bytes>``. It
loads the readers first, then limits its address space to its size at that point plus the budget
(``RLIMIT_AS``) and, before each document, its CPU time to ``cpu_seconds`` more (``RLIMIT_CPU``).
A document that ran into the memory ceiling is answered ``memory``, and the child then ends, as it
does after a document that made it large: the supervisor starts a fresh one.
"""

from __future__ import annotations

import os
import pickle
import resource
import sys
from typing import Any

from robot.errors import ReadError
from robot.readers.limits import READ_MEMORY_BYTES, MiB
from robot.readers.sandbox.protocol import frame, read_frame


def _vm_bytes(key: str) -> int:
    """``VmSize``/``VmPeak`` of this process from /proc, in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _memory_error_in(exc: BaseException | None) -> bool:
    """A MemoryError anywhere in the chain (the readers turn every failure into a ReadError)."""
    seen = 0
    while exc is not None and seen < 50:
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def main(memory_budget: int) -> int:
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
    while (request := read_frame(requests)) is not None:
        filename, content, sent, new_templates, cpu_seconds = pickle.loads(request)
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
            answer = frame((kind, payload, recycle))
        except MemoryError:
            answer, recycle = frame(("memory", None, True)), True
        answers.write(answer)
        answers.flush()
        if recycle:
            return 0
    return 0


if __name__ == "__main__":
    code = main(int(sys.argv[1]) if len(sys.argv) > 1 else READ_MEMORY_BYTES)
    # nothing of the reader needs tearing down: end at once (an interpreter's teardown of pdfminer,
    # lxml and pydantic is tens of milliseconds the parent waits for at every exit)
    sys.stderr.flush()
    os._exit(code)
