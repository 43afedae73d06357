"""The command line: ``fakturarobot`` (Typer + Rich). See ``fakturarobot --help``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer import Typer

__all__ = ["app", "main"]


def main() -> None:
    """The ``fakturarobot`` command: a command that will read a PDF starts the reader child before
    Typer and the command are imported, and a document command ends without the interpreter's
    teardown (:mod:`robot.cli.warm`)."""
    from robot.cli.warm import DOCUMENT_COMMANDS, command_of, end_at_once, warm_reader

    warm_reader(sys.argv[1:])
    from robot.cli.app import main as run

    if command_of(sys.argv[1:]) in DOCUMENT_COMMANDS:
        end_at_once(run)  # a document command: no teardown of the interpreter to wait for
    run()


def __getattr__(name: str) -> Typer:
    if name == "app":
        from robot.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
