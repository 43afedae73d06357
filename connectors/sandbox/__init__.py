"""A purchase-system sandbox (IndFak-like) serving invoices from a folder over HTTP.

    >>> from connectors.sandbox import create_app
    >>> app = create_app(Path("samples/inbox"), token="sandbox-token")   # doctest: +SKIP

Run it by hand with ``python -m connectors.sandbox FOLDER --token T --port 8000``.
"""

from connectors.sandbox.app import create_app

__all__ = ["create_app"]
