"""Connector kinds by name, from one entry-point group per role (as the rules come from
``fakturarobot.rules``). The built-in kinds are registered in this project's ``pyproject.toml``
exactly as a plugin registers its own::

    [project.entry-points."fakturarobot.ledgers"]
    journal = "connectors.journal:JournalLedger"

A kind resolves to a class deriving from the role's contract (:class:`connectors.base.Source`,
:class:`~connectors.base.Ledger`, :class:`~connectors.base.Notifier`) with a pydantic ``Settings``
model; anything else, and a name no distribution registers, is a
:class:`robot.errors.ConfigError` that says what exists::

    >>> resolve("ledger", "journal").__name__
    'JournalLedger'
    >>> resolve("ledger", "jornal")
    Traceback (most recent call last):
    ...
    robot.errors.ConfigError: unknown ledger kind 'jornal'; allowed: business-central, journal
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Literal, overload

from pydantic import BaseModel

from connectors.base import Connector, Ledger, Notifier, Source
from robot.errors import ConfigError

Role = Literal["source", "ledger", "notifier"]

#: role → the contract its connectors derive from
CONTRACTS: dict[str, type[Any]] = {"source": Source, "ledger": Ledger, "notifier": Notifier}
#: role → its entry-point group
GROUPS: dict[str, str] = {role: f"fakturarobot.{role}s" for role in CONTRACTS}


def kinds(role: str) -> dict[str, EntryPoint]:
    """The kinds registered for ``role`` by every installed distribution, by name."""
    return kinds_in(GROUPS[role], role)


def kinds_in(group: str, role: str) -> dict[str, EntryPoint]:
    """The kinds of entry-point ``group`` (connectors of ``role``, for messages), by name.

    Two distributions registering one name for different classes is an error: which one a
    configuration gets must not depend on the order of ``sys.path``. Also used for roles whose
    contract lives above the connectors (the bank, robot.bank.source)."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=group):
        seen = found.setdefault(ep.name, ep)
        if seen.value != ep.value:
            raise ConfigError(
                f"{role} kind {ep.name!r} is registered twice: {seen.value} and {ep.value} "
                f"(entry-point group {group})"
            )
    return found


def load_kind(role: str, kind: str, registered: Mapping[str, EntryPoint]) -> tuple[Any, EntryPoint]:
    """What the entry point of ``kind`` names, and the entry point; ConfigError for an unknown
    kind (naming the allowed ones) or one that cannot be loaded (naming which, and why)."""
    if kind not in registered:
        raise ConfigError(f"unknown {role} kind {kind!r}; allowed: {', '.join(sorted(registered))}")
    ep = registered[kind]
    try:
        return ep.load(), ep
    except Exception as exc:  # a broken plugin: say which, and why
        raise ConfigError(
            f"{role} kind {kind!r} ({ep.value}) cannot be loaded: {type(exc).__name__}: {exc}"
        ) from exc


@overload
def resolve(role: Literal["source"], kind: str) -> type[Source]: ...
@overload
def resolve(role: Literal["ledger"], kind: str) -> type[Ledger]: ...
@overload
def resolve(role: Literal["notifier"], kind: str) -> type[Notifier]: ...
@overload
def resolve(role: str, kind: str) -> type[Connector]: ...
def resolve(role: str, kind: str) -> type[Connector]:
    """The connector class of ``kind`` for ``role``, checked against the role's contract."""
    cls, ep = load_kind(role, kind, kinds(role))
    contract = CONTRACTS[role]
    if not (isinstance(cls, type) and contract in cls.__mro__):
        raise ConfigError(
            f"{role} kind {kind!r} ({ep.value}) is not a {role} connector: "
            f"a class deriving from {contract.__module__}.{contract.__name__}"
        )
    if cls.from_settings.__func__ is Connector.from_settings.__func__:  # type: ignore[attr-defined]
        raise ConfigError(f"{role} kind {kind!r} ({ep.value}) does not define from_settings()")
    model = getattr(cls, "Settings", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ConfigError(f"{role} kind {kind!r} ({ep.value}) has no pydantic Settings model")
    if model.model_config.get("extra") != "forbid":  # a mistyped key must not pass as a default
        raise ConfigError(
            f"{role} kind {kind!r} ({ep.value}): its Settings must refuse unknown keys "
            "(model_config = ConfigDict(extra='forbid'))"
        )
    return cls


@overload
def build(role: Literal["source"], kind: str, settings: Mapping[str, Any], base_dir: Path) -> Source: ...
@overload
def build(role: Literal["ledger"], kind: str, settings: Mapping[str, Any], base_dir: Path) -> Ledger: ...
@overload
def build(role: Literal["notifier"], kind: str, settings: Mapping[str, Any], base_dir: Path) -> Notifier: ...
@overload
def build(role: str, kind: str, settings: Mapping[str, Any], base_dir: Path) -> Connector: ...
def build(role: str, kind: str, settings: Mapping[str, Any], base_dir: Path) -> Connector:
    """The connector of ``kind`` built from its raw ``settings`` (validated by its ``Settings``)."""
    cls = resolve(role, kind)
    return cls.from_settings(cls.Settings.model_validate(dict(settings)), base_dir)
