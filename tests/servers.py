"""Tests serve ASGI apps on 127.0.0.1 with the package's own helper."""

from __future__ import annotations

from connectors.localserver import serve

__all__ = ["serve"]
