"""Running poppler and Tesseract bounded: one external tool, its limits, its capped output.

The PDF readers run command-line tools (``pdftotext``, ``pdfinfo``, ``pdftoppm``, ``tesseract``)
on documents nobody vetted. Each runs the same way, through :func:`run_tool`: no shell, stdin
closed, an environment the caller chose (never the robot's secrets), its own working folder, a
timeout after which it is killed (:class:`ToolTimedOut`), and stdout read as it comes, up to a cap
(then the tool is killed and the run says ``overflowed``). :func:`prlimit_prefix` puts it under
``prlimit``: an address-space and CPU limit, never above the limit this process already has (the
reader sandbox's), and no core files.

    >>> done = run_tool(["echo", "hello"], env={"PATH": os.defpath}, cwd="/", timeout=10, max_output=3)
    >>> done.output, done.overflowed
    (b'hel', True)
"""

from __future__ import annotations

import functools
import os
import re
import resource
import selectors
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = [
    "ToolRun",
    "ToolTimedOut",
    "clean_env",
    "last_words",
    "prlimit_prefix",
    "run_tool",
    "tesseract_data",
    "tool_version",
    "tool_versions",
]

_TESSDATA = re.compile(r'languages in "([^"]+)"')


@dataclass(frozen=True, slots=True)
class ToolRun:
    """How a tool ended: its exit status (negative: the signal), stdout up to the cap."""

    returncode: int
    output: bytes
    overflowed: bool
    """stdout passed the cap: the tool was killed and ``output`` is its first ``max_output`` bytes."""


class ToolTimedOut(Exception):
    """The tool ran past its timeout and was killed."""


def clean_env(keys: Sequence[str], **extra: str) -> dict[str, str]:
    """This process's environment with only ``keys`` (those that are set), and ``extra``."""
    env = {k: os.environ[k] for k in keys if k in os.environ}
    env.update(extra)
    return env


def prlimit_prefix(memory_bytes: int, cpu_seconds: int) -> list[str]:
    """``prlimit`` with these memory and CPU limits and no core files (none when not installed).

    Each limit is lowered to the one this process has (inside the reader sandbox, its ceiling), so
    a tool is never given more than its caller, and prlimit never tries to raise a hard limit.
    """
    exe = shutil.which("prlimit")
    if exe is None:
        return []
    memory = _within_own_limit(resource.RLIMIT_AS, memory_bytes)
    cpu = _within_own_limit(resource.RLIMIT_CPU, cpu_seconds)
    return [exe, f"--as={memory}", f"--cpu={cpu}", "--core=0", "--"]


def _within_own_limit(which: int, wanted: int) -> int:
    soft, _ = resource.getrlimit(which)
    return wanted if soft == resource.RLIM_INFINITY else min(wanted, soft)


def run_tool(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str,
    timeout: float,
    max_output: int,
    stderr: IO[bytes] | int = subprocess.DEVNULL,
) -> ToolRun:
    """Run ``command`` to its end or ``timeout`` seconds (then :class:`ToolTimedOut`).

    An ``OSError`` (the tool cannot be started) is the caller's to word.
    """
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=dict(env),
        cwd=cwd,
        close_fds=True,
    ) as proc:
        try:
            output, overflowed = _read_capped(proc, deadline, max_output)
        finally:
            if proc.poll() is None:
                proc.kill()
        returncode = proc.wait()
    return ToolRun(returncode, output, overflowed)


def _read_capped(proc: subprocess.Popen[bytes], deadline: float, cap: int) -> tuple[bytes, bool]:
    """stdout up to ``cap`` bytes (then the tool is killed), until ``deadline``."""
    assert proc.stdout is not None
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                raise ToolTimedOut
            if not selector.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                proc.kill()
                return b"".join(chunks)[:cap], True


@functools.cache
def tool_version(exe: str, flag: str, env_items: tuple[tuple[str, str], ...] = ()) -> str | None:
    """What ``exe flag`` says about its version (stdout and stderr, at most 4 KiB), once per
    process; None when it cannot be asked. ``env_items`` is the environment it is asked in."""
    try:
        done = run_tool(
            [exe, flag], env=dict(env_items), cwd="/", timeout=10, max_output=4096, stderr=subprocess.STDOUT
        )
    except (OSError, ToolTimedOut):
        return None
    if done.returncode != 0 or done.overflowed:
        return None
    return done.output.decode("utf-8", errors="replace").strip()


def tool_versions(tools: Sequence[tuple[str, str]], env: Mapping[str, str]) -> dict[str, str] | None:
    """Each tool's path and what ``tool flag`` says of its version, or None when one cannot tell."""
    items = tuple(sorted(env.items()))
    versions: dict[str, str] = {}
    for tool, flag in tools:
        exe = shutil.which(tool)
        said = tool_version(exe, flag, items) if exe is not None else None
        if said is None:
            return None
        versions[tool] = f"{exe}: {said}"
    return versions


def tesseract_data(languages: str, env: Mapping[str, str]) -> list[object] | None:
    """Tesseract's trained-data folder and each language's file size and modification time
    (``languages`` as for ``-l``: ``dan+deu+eng``), or None when they cannot be found."""
    exe = shutil.which("tesseract")
    listed = tool_version(exe, "--list-langs", tuple(sorted(env.items()))) if exe is not None else None
    found = _TESSDATA.search(listed or "")
    if found is None:
        return None
    folder = Path(found.group(1))
    trained: dict[str, list[int]] = {}
    for language in languages.split("+"):
        try:
            info = (folder / f"{language}.traineddata").stat()
        except OSError:
            return None
        trained[language] = [info.st_size, info.st_mtime_ns]
    return [str(folder), trained]


def last_words(path: str) -> str:
    """The last line a tool wrote to its stderr file, short and printable."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 2048))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return "no message"
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    said = lines[-1] if lines else "no message"
    return "".join(c if c.isprintable() else "?" for c in said)[:200]
