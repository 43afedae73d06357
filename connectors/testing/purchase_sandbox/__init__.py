"""A purchase-system sandbox (IndFak-like) serving invoices from a folder over HTTP.

    >>> from connectors.testing.purchase_sandbox import create_app
    >>> from pathlib import Path
    >>> api = create_app(Path("samples/inbox"), token="sandbox-token")
    >>> sorted(r.path for r in api.routes if r.path.startswith("/api/v1/invoices"))[:1]
    ['/api/v1/invoices']

Run it by hand with ``python -m connectors.testing.purchase_sandbox FOLDER --token T --port 8000``.
"""

from connectors.testing.purchase_sandbox.app import create_app

__all__ = ["create_app"]
