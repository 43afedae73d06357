"""A Business Central API v2.0-shaped test server (FastAPI) for the test suite and the demo.

    >>> from connectors.testing.bc_server import create_app, get_state
    >>> app = create_app(vendors={"K10001": "Kontorland A/S"})
    >>> get_state(app).posted()              # invoices and credit memos, each with documentType
    []
    >>> get_state(app).posted("credit_memo")   # only credit memos (also posted_credit_memos())
    []

Run it by hand with ``python -m connectors.testing.bc_server --port 8001 --vendor K10001=Kontorland``.
"""

from connectors.testing.bc_server.app import DEFAULT_COMPANY_ID, create_app, get_state
from connectors.testing.bc_server.kinds import CREDIT_MEMO, INVOICE, Kind
from connectors.testing.bc_server.odata import BcError, parse_filter
from connectors.testing.bc_server.state import BcState

__all__ = [
    "CREDIT_MEMO",
    "DEFAULT_COMPANY_ID",
    "INVOICE",
    "BcError",
    "BcState",
    "Kind",
    "create_app",
    "get_state",
    "parse_filter",
]
