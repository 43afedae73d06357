"""Where the robot keeps what it can compute again: validated PDF templates, OCR text.

``$FAKTURAROBOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fakturarobot``, else ``~/.cache/fakturarobot``
(:mod:`robot.pdftext.template_cache`, :mod:`robot.pdftext.text_cache`). Its own module, importing
nothing of the readers, so the reader sandbox can hand the folder to its child without loading
the template models first.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "FAKTURAROBOT_CACHE_DIR"


def cache_dir() -> Path:
    """Where the caches live (``$FAKTURAROBOT_CACHE_DIR``, else the user's cache folder)."""
    if configured := os.environ.get(CACHE_ENV):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fakturarobot"
