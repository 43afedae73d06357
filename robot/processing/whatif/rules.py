"""The rules of a replay: every registered rule, plus or instead of those of extra rule modules.

A rule module given to ``what-if --rules`` is a ``.py`` file, a package folder, a dotted module name
or the name of a ``fakturarobot.rules`` entry point. Its ``@rule`` decorators register into a
registry of the replay's own (never the process-wide one), so a module may redefine a rule code
that is registered already: the replay uses the new definition, a run is untouched.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import classifiers.registry as registry_module
from classifiers.api import ENTRY_POINT_GROUP, Registry, RuleSpec
from classifiers.engine import load_rules
from robot.errors import ConfigError

_swap = threading.Lock()
_loaded = 0


def replay_registry(extra: list[str]) -> Registry:
    """The registered rules with those of ``extra`` (each a path, module or entry point) on top."""
    changed: dict[str, RuleSpec] = {}
    for target in extra:
        changed.update((spec.code, spec) for spec in _rules_of(target))
    combined = Registry()
    for spec in load_rules():
        if spec.code not in changed:  # a changed rule replaces the registered one
            combined.add(spec)
    for spec in changed.values():
        combined.add(spec)
    return combined


def _rules_of(target: str) -> list[RuleSpec]:
    collected = Registry()
    with _collecting(collected):
        _import(target)
    if not len(collected):
        raise ConfigError(f"the rule module {target!r} registers no rule (no @rule in it)")
    return list(collected)


@contextmanager
def _collecting(into: Registry) -> Iterator[None]:
    """``@rule`` registers into ``into`` while the block runs (the decorator's default registry)."""
    with _swap:
        saved = registry_module.REGISTRY
        registry_module.REGISTRY = into
        try:
            yield
        finally:
            registry_module.REGISTRY = saved


def _import(target: str) -> None:
    global _loaded
    path = Path(target)
    try:
        if path.exists():
            file = path / "__init__.py" if path.is_dir() else path
            if not file.is_file():
                raise ConfigError(f"{target}: not a Python file or a package folder", file=target)
            _loaded += 1
            name = f"_whatif_rules_{_loaded}_{path.stem.replace('-', '_')}"  # never a real module's
            locations = [str(path)] if path.is_dir() else None
            spec = importlib.util.spec_from_file_location(name, file, submodule_search_locations=locations)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return
        named = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
        module_name = named.get(target, target).partition(":")[0]
        if module_name in sys.modules:  # imported already: run its decorators again
            importlib.reload(sys.modules[module_name])
        else:
            importlib.import_module(module_name)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"the rule module {target!r} cannot be loaded: {type(exc).__name__}: {exc}"
        ) from exc
