"""``python -m connectors.testing.bc_server [--port 8001] [--vendor NO=NAME]... [--fail-rate 0.1]``."""

from __future__ import annotations

import argparse

import uvicorn

from connectors.testing.bc_server.app import DEFAULT_COMPANY_ID, create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m connectors.testing.bc_server", description=__doc__)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--vendor", action="append", default=[], help="vendor as NUMBER=NAME (repeatable)")
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--client-secret", default="bc-test-secret")
    parser.add_argument("--token", action="append", default=[], help="a static bearer token (repeatable)")
    args = parser.parse_args()
    vendors = dict(v.split("=", 1) if "=" in v else (v, v) for v in args.vendor)
    app = create_app(
        vendors=vendors, fail_rate=args.fail_rate, client_secret=args.client_secret, bearer_tokens=args.token
    )
    print(f"company id {DEFAULT_COMPANY_ID}; base URL http://127.0.0.1:{args.port}/api/v2.0")
    uvicorn.run(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
