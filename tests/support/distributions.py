"""A distribution installed for the length of a test: a ``*.dist-info`` with entry points (and any
modules beside it) in a folder put first on ``sys.path``, as ``pip install`` of a plugin leaves it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def installed(
    site: Path,
    name: str,
    entry_points: Mapping[str, Mapping[str, str]],
    modules: Mapping[str, str] | None = None,
) -> Iterator[Path]:
    """``name`` 1.0 with ``entry_points`` (group → entry name → ``module:attr``) and ``modules``
    (a path such as ``acme/ledger.py`` → its source) in ``site``; gone again afterwards, its
    modules too."""
    dist = site / f"{name.replace('-', '_')}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    lines = []
    for group, entries in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{entry} = {value}" for entry, value in entries.items()]
        lines.append("")
    (dist / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
    tops = set()
    for rel, source in (modules or {}).items():
        file = site / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(source, encoding="utf-8")
        tops.add(Path(rel).parts[0].removesuffix(".py"))
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for module in [m for m in sys.modules if m.partition(".")[0] in tops]:
            del sys.modules[module]
        importlib.invalidate_caches()
