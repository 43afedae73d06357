"""A Business Central API v2.0-shaped test server (FastAPI) for the test suite and the demo.

    >>> from connectors.bc_testserver import create_app, get_state
    >>> app = create_app(vendors={"K10001": "Kontorland A/S"})
    >>> get_state(app).posted()
    []

Run it by hand with ``python -m connectors.bc_testserver --port 8001 --vendor K10001=Kontorland``.
"""

from connectors.bc_testserver.app import DEFAULT_COMPANY_ID, create_app, get_state
from connectors.bc_testserver.odata import BcError, parse_filter
from connectors.bc_testserver.state import BcState

__all__ = ["DEFAULT_COMPANY_ID", "BcError", "BcState", "create_app", "get_state", "parse_filter"]
