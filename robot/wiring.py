"""Build a ready robot from a configuration file: store, master data, connectors, actions.

>>> robot, loaded = build_robot(Path("samples/fakturarobot.yaml"))
>>> robot.run()
"""

from __future__ import annotations

from pathlib import Path

from classifiers.engine import Classifier
from robot.actions import Actions
from robot.config import LoadedConfig, load_config
from robot.context import MasterData
from robot.model import Identifier, Party
from robot.run import Robot
from robot.store.repo import Store


def load_master(loaded: LoadedConfig) -> MasterData:
    cfg = loaded.cfg
    customers = loaded.file(cfg.customers)
    vendors = loaded.file(cfg.vendors)
    assert customers is not None and vendors is not None
    return MasterData.load(customers, vendors, loaded.file(cfg.orders))


def build_robot(
    config: Path | LoadedConfig, *, database_url: str | None = None
) -> tuple[Robot, LoadedConfig]:
    loaded = config if isinstance(config, LoadedConfig) else load_config(config)
    cfg = loaded.cfg
    store = Store.open(database_url or cfg.database)
    master = load_master(loaded)
    ledger = loaded.build("ledger")
    classifier = Classifier()
    responder = Party(
        name=cfg.responder.name,
        endpoint=Identifier(cfg.responder.endpoint_id, cfg.responder.endpoint_scheme)
        if cfg.responder.endpoint_id
        else None,
    )
    actions = Actions(
        store,
        master,
        classifier,
        ledger,
        templates=loaded.file(cfg.templates),
        pdf_templates=loaded.pdf_templates(),
        creditor_team=cfg.alerts.to,
        responder=responder,
    )
    robot = Robot(
        store,
        master,
        source=loaded.build("source"),
        ledger=ledger,
        notifier=loaded.build("notifier"),
        classifier=classifier,
        actions=actions,
        max_attempts=cfg.max_attempts,
    )
    return robot, loaded
