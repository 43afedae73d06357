"""Poppler's ``pdftotext`` and Tesseract for tests: required in CI (``CI=1``), skipped elsewhere.

Debian packages them (``poppler-utils``; ``tesseract-ocr`` with ``tesseract-ocr-dan``, ``-deu``,
``-eng``) and ``.ci/run`` installs them where missing. Outside CI a test that needs one skips,
naming what is missing; in CI it fails, so a missing package is never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable

import pytest


def _require(problem: str | None, what: str) -> None:
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI: {problem}")
    pytest.skip(problem)


def pdftotext_problem() -> str | None:
    """Why ``pdftotext`` cannot run here, or None."""
    if shutil.which("pdftotext") is None:
        return "no pdftotext on PATH (Debian package poppler-utils; .ci/run installs it)"
    return None


def tesseract_languages() -> set[str]:
    """The languages ``tesseract --list-langs`` names (empty when Tesseract is missing)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return set()
    try:
        listed = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    lines = (listed.stdout + "\n" + listed.stderr).splitlines()
    return {line.strip() for line in lines if line.strip() and " " not in line.strip()}


def tesseract_problem(langs: Iterable[str] = ("dan", "deu", "eng")) -> str | None:
    """Why Tesseract with these languages cannot run here, or None."""
    if shutil.which("tesseract") is None:
        return "no tesseract on PATH (Debian package tesseract-ocr; .ci/run installs it)"
    missing = sorted(set(langs) - tesseract_languages())
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return f"Tesseract has no data for {', '.join(missing)} (Debian packages {packages})"
    return None


def require_pdftotext() -> None:
    """Skip (outside CI) or fail (in CI) when ``pdftotext`` is missing."""
    _require(pdftotext_problem(), "pdftotext")


def require_tesseract(langs: Iterable[str] = ("dan", "deu", "eng")) -> None:
    """Skip (outside CI) or fail (in CI) when Tesseract or one of the languages is missing."""
    _require(tesseract_problem(langs), "Tesseract")
