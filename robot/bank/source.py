"""Where bank files come from, and taking them in: stored first, then read, then let go.

A bank connector is a :class:`BankSource`: a connector (``name``, ``Settings``, ``from_settings``,
``probe``, ``close``) with ``fetch()`` and ``acknowledge(doc)``, registered under the entry-point
group ``fakturarobot.banks`` (``folder`` = :class:`connectors.bank_folder.BankFolder`; an SFTP or
bank API connector registers its own alike). :func:`take_in` stores a file's bytes before
anything else happens to it (the same bytes twice are recognised by their sha256), reads it, and
records what reading gave; :func:`import_from` does that for everything a source hands over and
acknowledges each file only once it is stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from connectors.base import Connector, IncomingDocument, IntakeFailure
from connectors.registry import kinds_in, load_kind
from robot.bank.iso20022 import read_bank_file
from robot.bank.model import BankFile
from robot.errors import BankFileError, ConfigError
from robot.store.bank import MAX_ERROR, BankFiles, StoredBankFile

GROUP = "fakturarobot.banks"


@runtime_checkable
class BankSource(Connector, Protocol):
    """Where bank files come from (a folder; an SFTP server or a bank's API fits the same)."""

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        """Bank files ready for the robot, each on its own (one that cannot be handed over is an
        :class:`IntakeFailure`); fetching again before acknowledge() repeats them."""
        ...

    def acknowledge(self, doc: IncomingDocument) -> None:
        """Called only after the file is safely stored: the source may forget it."""
        ...


@dataclass(frozen=True, slots=True)
class TakenIn:
    """One bank file taken in: as stored, and what reading it gave (a file or an error)."""

    stored: StoredBankFile
    bank_file: BankFile | None
    error: BankFileError | None

    @property
    def new(self) -> bool:
        """False when these bytes were stored before (the same file again): nothing new to act on."""
        return self.stored.new


def take_in(files: BankFiles, filename: str, content: bytes) -> TakenIn:
    """Store the file, then read it and record what reading gave (the first time: the same bytes
    again are read again, which gives the same, and their row is left as it is)."""
    stored = files.store(filename, content)
    try:
        bank_file, error = read_bank_file(content, filename), None
    except BankFileError as exc:
        bank_file, error = None, exc
    if not stored.read:
        message = None if bank_file is None else bank_file.message
        problem = None if error is None else str(error)[:MAX_ERROR]
        files.record_read(stored.id, message=message, error=problem)
        stored = replace(stored, message=message, read_error=problem)
    return TakenIn(stored, bank_file, error)


def import_from(source: BankSource, files: BankFiles) -> Iterator[TakenIn | IntakeFailure]:
    """Take in every file ``source`` hands over; each is acknowledged once it is stored."""
    for item in source.fetch():
        if isinstance(item, IntakeFailure):
            yield item
            continue
        taken = take_in(files, item.filename, item.content)
        source.acknowledge(item)
        yield taken


def bank_kinds() -> dict[str, EntryPoint]:
    """The bank connector kinds every installed distribution registers, by name."""
    return kinds_in(GROUP, "bank")


def resolve_bank(kind: str) -> type[BankSource]:
    """The connector class of bank ``kind``, checked: fetch, acknowledge, from_settings, a strict Settings."""
    cls, ep = load_kind("bank", kind, bank_kinds())
    model = getattr(cls, "Settings", None)
    if not (
        isinstance(cls, type)
        and all(callable(getattr(cls, m, None)) for m in ("fetch", "acknowledge", "from_settings"))
        and isinstance(model, type)
        and issubclass(model, BaseModel)
        and model.model_config.get("extra") == "forbid"
    ):
        raise ConfigError(
            f"bank kind {kind!r} ({ep.value}) is not a bank connector: a class with fetch(), "
            "acknowledge(), from_settings() and a pydantic Settings refusing unknown keys"
        )
    return cls  # type: ignore[no-any-return]


def build_bank(kind: str, settings: Mapping[str, Any], base_dir: Path) -> BankSource:
    """The bank connector of ``kind`` built from its raw ``settings`` (validated by its ``Settings``)."""
    cls = resolve_bank(kind)
    return cls.from_settings(cls.Settings.model_validate(dict(settings)), base_dir)
