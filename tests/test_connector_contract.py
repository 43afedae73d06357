"""One connector contract (connectors/base.py), kinds from entry-point groups (connectors/registry.py).

Every registered kind, built-in or a plugin's, is a class deriving from its role with a pydantic
``Settings`` model, built by ``from_settings`` and closed by ``close`` or ``with``; a kind name
that nothing registers, or a registration that is not a connector, is an error that says what
exists. The in-memory fakes keep the same contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from connectors import registry
from connectors.base import Connector, Ledger, Notifier, Source
from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.cli.app import _register, app
from robot.configuration.settings import load_config
from robot.configuration.wiring import opened_robot
from robot.errors import ConfigError
from robot.running.run import RunOptions
from tests.support.bulk import make_inbox, write_config
from tests.support.distributions import installed

_register()
runner = CliRunner()

BUILT_IN = {
    "source": {"folder", "purchase-api"},
    "ledger": {"journal", "business-central"},
    "notifier": {"eml", "smtp"},
}

#: settings a kind can be built from here without a server (secrets come from ENV)
SAMPLE_SETTINGS: dict[str, dict[str, Any]] = {
    "folder": {"inbox": "inbox"},
    "purchase-api": {"base_url": "http://127.0.0.1:9", "token_env": "FR_CONTRACT_PURCHASE_TOKEN"},
    "journal": {"path": "ledger.jsonl"},
    "business-central": {
        "base_url": "http://127.0.0.1:9/api/v2.0",
        "company_id": "contract",
        "auth": {"type": "bearer", "token_env": "FR_CONTRACT_BC_TOKEN"},
    },
    "eml": {"outbox": "outbox", "from_address": "kreditor@example.dk"},
    "smtp": {"host": "127.0.0.1", "port": 9, "from_address": "kreditor@example.dk"},
}
ENV = {"FR_CONTRACT_PURCHASE_TOKEN": "t", "FR_CONTRACT_BC_TOKEN": "t"}

REGISTERED = [(role, kind) for role in registry.GROUPS for kind in sorted(registry.kinds(role))]


def test_the_built_in_kinds_come_from_the_entry_point_groups() -> None:
    assert registry.GROUPS == {
        "source": "fakturarobot.sources",
        "ledger": "fakturarobot.ledgers",
        "notifier": "fakturarobot.notifiers",
    }
    for role, kinds in BUILT_IN.items():
        assert kinds <= set(registry.kinds(role)), role


def _counted_close(monkeypatch: pytest.MonkeyPatch, cls: type[Connector]) -> list[Connector]:
    closed: list[Connector] = []
    real_close = cls.close

    def close(self: Connector) -> None:
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(cls, "close", close)
    return closed


@pytest.mark.parametrize(("role", "kind"), REGISTERED, ids=[f"{r}:{k}" for r, k in REGISTERED])
def test_every_registered_kind_keeps_the_contract(
    role: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind not in SAMPLE_SETTINGS:
        pytest.fail(f"{role} kind {kind!r} is registered: give it SAMPLE_SETTINGS to be built from")
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    cls = registry.resolve(role, kind)
    contract = registry.CONTRACTS[role]
    assert contract in cls.__mro__
    assert isinstance(cls.Settings, type) and issubclass(cls.Settings, BaseModel)
    with pytest.raises(ValueError, match="extra"):  # unknown keys are errors, not silently dropped
        cls.Settings.model_validate({**SAMPLE_SETTINGS[kind], "no_such_setting": 1})

    closed = _counted_close(monkeypatch, cls)
    built = registry.build(role, kind, SAMPLE_SETTINGS[kind], tmp_path)
    assert type(built) is cls and isinstance(built, contract)
    assert isinstance(built.name, str) and built.name
    built.close()
    assert closed == [built]

    with registry.build(role, kind, SAMPLE_SETTINGS[kind], tmp_path) as entered:
        assert type(entered) is cls and closed == [built]
    assert closed == [built, entered]  # leaving the block closed it


@pytest.mark.parametrize(
    ("cls", "contract"),
    [(MemorySource, Source), (MemoryLedger, Ledger), (MemoryNotifier, Notifier)],
    ids=["source", "ledger", "notifier"],
)
def test_the_in_memory_fakes_keep_the_contract(
    cls: type[MemorySource | MemoryLedger | MemoryNotifier], contract: type[Connector], tmp_path: Path
) -> None:
    assert contract in cls.__mro__ and issubclass(cls.Settings, BaseModel)
    with cls.from_settings(cls.Settings.model_validate({}), tmp_path) as fake:
        assert isinstance(fake, contract) and fake.name == "memory" and not fake.closed
        assert fake.probe() is None  # nothing to probe: the contract's default
    assert fake.closed
    with pytest.raises(ValueError, match="extra"):
        cls.Settings.model_validate({"no_such_setting": 1})


def test_the_fakes_settings_are_their_keyword_arguments(tmp_path: Path) -> None:
    ledger = MemoryLedger.from_settings(
        MemoryLedger.Settings.model_validate({"prefix": "ERP-", "fail_on": [1]}), tmp_path
    )
    assert (ledger.prefix, ledger.fail_on) == ("ERP-", {1})


def test_an_unknown_kind_names_the_kinds_that_exist() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.resolve("ledger", "jornal")
    assert str(caught.value) == "unknown ledger kind 'jornal'; allowed: business-central, journal"
    with pytest.raises(ConfigError, match=r"unknown notifier kind 'folder'; allowed: eml, smtp"):
        registry.resolve("notifier", "folder")  # a source's kind is not a notifier's


# --- a plugin's kinds -------------------------------------------------------------------------

ACME = '''
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from connectors.base import Ledger, Posting


class AcmeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    book: Path


class AcmeLedger(Ledger):
    """An ERP of its own: one JSON line per posted invoice in ``book``."""

    name = "acme"
    Settings = AcmeSettings

    def __init__(self, book: Path) -> None:
        self.book = book

    @classmethod
    def from_settings(cls, settings: AcmeSettings, base_dir: Path) -> AcmeLedger:
        return cls(base_dir / settings.book)

    def _lines(self) -> list[dict[str, str]]:
        text = self.book.read_text(encoding="utf-8") if self.book.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    def find(self, posting: Posting) -> str | None:
        return next((e["number"] for e in self._lines() if e["key"] == posting.idempotency_key), None)

    def post(self, posting: Posting) -> str:
        number = self.find(posting)
        if number is None:
            number = f"ACME-{len(self._lines()) + 1}"
            with self.book.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"key": posting.idempotency_key, "number": number}) + "\\n")
        return number

    def close(self) -> None:
        pass


class NotALedger:
    name = "nope"


class NoFromSettings(Ledger):
    name = "half"
    Settings = AcmeSettings

    def find(self, posting: Posting) -> str | None:
        return None

    def post(self, posting: Posting) -> str:
        return "X"

    def close(self) -> None:
        pass


class LaxSettings(BaseModel):
    book: Path


class Lax(AcmeLedger):
    Settings = LaxSettings
'''


@pytest.fixture
def acme(tmp_path: Path) -> Iterator[Path]:
    """A distribution registering ledger kinds, the way a plugin package does."""
    ledgers = {
        "acme": "acme_erp.ledger:AcmeLedger",
        "acme-folder": "connectors.folder:FolderSource",  # a source registered as a ledger
        "acme-not-a-class": "acme_erp.ledger:NotALedger",
        "acme-half": "acme_erp.ledger:NoFromSettings",
        "acme-lax": "acme_erp.ledger:Lax",
        "acme-broken": "acme_erp.missing:Ledger",
    }
    modules = {"acme_erp/__init__.py": "", "acme_erp/ledger.py": ACME}
    with installed(tmp_path / "site", "acme-erp", {"fakturarobot.ledgers": ledgers}, modules) as site:
        yield site


def _acme_config(tmp_path: Path, **ledger: Any) -> Path:
    cfg = write_config(tmp_path / "robot")
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["ledger"] = {"kind": "acme", "book": "acme-book.jsonl", **ledger}
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return cfg


def test_a_plugin_kind_is_usable_from_a_config_file(acme: Path, tmp_path: Path) -> None:
    cfg = _acme_config(tmp_path)
    make_inbox(cfg.parent / "inbox", 2)
    checked = runner.invoke(app, ["check-config", "--config", str(cfg)])
    assert checked.exit_code == 0, checked.output
    with opened_robot(cfg) as (robot, loaded):
        assert type(loaded.build("ledger")).__name__ == "AcmeLedger"
        summary = robot.run(RunOptions(trigger="manual"))
    assert summary.status == "ok" and summary.counts["posted"] == 2
    book = (cfg.parent / "acme-book.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["number"] for line in book] == ["ACME-1", "ACME-2"]


def test_a_plugin_kind_settings_are_checked_with_file_and_line(acme: Path, tmp_path: Path) -> None:
    cfg = _acme_config(tmp_path, bok="typo.jsonl")
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert "unknown key 'bok' for ledger kind 'acme'; allowed: kind, book" in str(caught.value)
    assert f"{cfg}:" in str(caught.value)


def test_an_unknown_kind_names_the_plugin_kinds_too(acme: Path, tmp_path: Path) -> None:
    cfg = _acme_config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("kind: acme", "kind: acm"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown ledger kind 'acm'; allowed: acme, acme-broken, "):
        load_config(cfg)
    assert "acme" not in registry.kinds("source")  # registered for the ledger role only


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "acme-folder",
            "(connectors.folder:FolderSource) is not a ledger connector: a class deriving "
            "from connectors.base.Ledger",
        ),
        ("acme-not-a-class", "(acme_erp.ledger:NotALedger) is not a ledger connector"),
        ("acme-half", "(acme_erp.ledger:NoFromSettings) does not define from_settings()"),
        ("acme-lax", "its Settings must refuse unknown keys"),
        ("acme-broken", "(acme_erp.missing:Ledger) cannot be loaded: ModuleNotFoundError"),
    ],
)
def test_a_registration_that_is_not_a_connector_is_refused_naming_it(
    acme: Path, kind: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        registry.resolve("ledger", kind)
    assert f"ledger kind {kind!r} " in str(caught.value) and message in str(caught.value)


def test_one_kind_registered_twice_for_different_classes_is_an_error(acme: Path, tmp_path: Path) -> None:
    other = {"fakturarobot.ledgers": {"journal": "acme_erp.ledger:AcmeLedger"}}
    with (
        installed(tmp_path / "site2", "other-erp", other),
        pytest.raises(ConfigError, match=r"ledger kind 'journal' is registered twice"),
    ):
        registry.resolve("ledger", "journal")
