"""Modules a rule module names at its top but imports only when a rule first uses them.

A rule module is imported whenever the rules are loaded (``validate`` of one document, every
run), also when the rules that need a heavy library do not run: ``validate`` without a
configuration runs no vendor or duplicate rule, so it need not import rapidfuzz. The rule module
writes, at its top::

    if TYPE_CHECKING:
        from rapidfuzz import fuzz, process
    else:
        fuzz, process = deferred("rapidfuzz.fuzz", "rapidfuzz.process")

and uses ``fuzz.ratio`` as before: the first attribute read imports the module.

    >>> import sys
    >>> (decoder,) = deferred("json.decoder")
    >>> decoder.JSONDecodeError is sys.modules["json.decoder"].JSONDecodeError
    True
    >>> decoder
    <deferred module 'json.decoder'>
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class Deferred:
    """Module ``name``, imported on the first attribute read (then every read is the module's)."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"


def deferred(*names: str) -> tuple[Any, ...]:
    """A :class:`Deferred` for each module name, in order."""
    return tuple(Deferred(name) for name in names)
