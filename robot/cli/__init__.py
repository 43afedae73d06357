"""The command line: ``fakturarobot`` (Typer + Rich). See ``fakturarobot --help``."""

from __future__ import annotations

from robot.cli.app import app, main

__all__ = ["app", "main"]
