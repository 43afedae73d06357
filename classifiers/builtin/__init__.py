"""The built-in rule families, one module each. Importing this package registers them all.

Built-ins register exactly like third-party rules: through ``@rule`` and the
``fakturarobot.rules`` entry point group (this package is the ``builtin`` entry).
"""

from __future__ import annotations

import importlib
import pkgutil

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if not _mod.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod}")
