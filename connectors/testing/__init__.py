"""Test doubles, not the product: the Business Central-shaped test server (bc_server/), the
purchase-system sandbox (purchase_sandbox/), the in-memory fakes with failure injection (fakes.py)
and the helper serving an ASGI app on 127.0.0.1 (localserver.py).

No runtime module imports this package (tests/test_architecture.py); the demo (robot/demo) and the
tests do.
"""
