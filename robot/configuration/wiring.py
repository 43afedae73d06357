"""Build a ready robot from a configuration file: store, master data, connectors, actions.

Every process that builds one closes the whole robot (store, source, ledger, notifier: the
purchase system's and the ERP's HTTP clients, the mail connection) when it is done, so use it as
a context manager::

    with opened_robot(Path("fakturarobot.yaml")) as (robot, loaded):
        summary = robot.run(RunOptions(trigger="manual"))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from classifiers.engine import Classifier
from robot.configuration.settings import LoadedConfig, load_config
from robot.model import Identifier, Party
from robot.processing.actions import Actions
from robot.processing.context import MasterData
from robot.running.run import Robot
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
    """The robot of ``config``; the caller closes it (:meth:`Robot.close`, or :func:`opened_robot`).

    If a part cannot be built (a bad setting, an unreadable master data file), what was already
    opened is closed before the error propagates.
    """
    loaded = config if isinstance(config, LoadedConfig) else load_config(config)
    cfg = loaded.cfg
    with ExitStack() as opened:
        store = Store.open(database_url or cfg.database)
        opened.callback(store.close)
        master = load_master(loaded)
        ledger = _opened(opened, loaded.build("ledger"))
        official = loaded.official_rules()
        classifier = Classifier(document_checks=[official] if official is not None else [])
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
            contact=cfg.contact,
        )
        source = _opened(opened, loaded.build("source"))
        notifier = _opened(opened, loaded.build("notifier"))
        robot = Robot(
            store,
            master,
            source=source,
            ledger=ledger,
            notifier=notifier,
            classifier=classifier,
            actions=actions,
            max_attempts=cfg.max_attempts,
            erp_backoff=timedelta(seconds=cfg.erp_backoff_seconds),
            erp_backoff_max=timedelta(seconds=cfg.erp_backoff_max_seconds),
        )
        opened.pop_all()  # built: from here on the robot's close() owns every part
    return robot, loaded


def _opened(stack: ExitStack, connector: Any) -> Any:
    if connector is not None:
        stack.callback(connector.close)
    return connector


@contextmanager
def opened_robot(
    config: Path | LoadedConfig, *, database_url: str | None = None
) -> Iterator[tuple[Robot, LoadedConfig]]:
    """:func:`build_robot` as a context manager: the whole robot is closed however the block ends."""
    robot, loaded = build_robot(config, database_url=database_url)
    try:
        yield robot, loaded
    finally:
        robot.close()
