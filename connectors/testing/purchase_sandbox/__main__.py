"""``python -m connectors.testing.purchase_sandbox FOLDER [--token T] [--port 8000]``: serve a folder on
127.0.0.1."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn

from connectors.testing.purchase_sandbox.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m connectors.testing.purchase_sandbox", description=__doc__
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--token", default=os.environ.get("FAKTURAROBOT_PURCHASE_TOKEN", "sandbox-token"))
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(create_app(args.folder, args.token), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
