"""``web``: serve the creditor console (robot/web) with uvicorn.

    fakturarobot web --config /etc/fakturarobot/fakturarobot.yaml --host 127.0.0.1 --port 8080

The store is the configuration's (``$FAKTURAROBOT_DATABASE_URL`` wins); its schema is upgraded if
older. Session cookies are ``Secure`` unless the console listens on 127.0.0.1, ::1 or localhost
(plain http on the local host, where a browser would drop a Secure cookie): anywhere else, serve it
behind an HTTPS reverse proxy (uvicorn trusts the proxy's ``X-Forwarded-For`` from the addresses
in ``$FORWARDED_ALLOW_IPS``, 127.0.0.1 by default, so the login throttle sees the real client).
The process keeps nothing between requests but the database: run several behind a load balancer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from robot.cli.common import RUN_CONFIG, config_path

if TYPE_CHECKING:
    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store

LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def web(
    config: Path | None = RUN_CONFIG,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8080, "--port", help="Port to listen on"),
) -> None:
    """Serve the creditor console (overview, runs, hold queue, invoices, search) over HTTP."""
    from robot.cli.store_lookup import cli_store
    from robot.configuration.settings import load_config

    path = config_path(config)
    loaded = load_config(path)
    with cli_store(None, path, read_only=False) as store:
        serve(loaded, store, host=host, port=port)


def serve(config: LoadedConfig | None, store: Store, *, host: str, port: int) -> None:
    """Run the console over ``store`` until interrupted (Secure cookies unless on the local host)."""
    import uvicorn

    from robot.web.app import create_app

    secure = host not in LOCAL_HOSTS
    app = create_app(config, store, secure_cookies=secure)
    where = f"{host}:{port} (Secure cookies: serve it behind HTTPS)" if secure else f"http://{host}:{port}/"
    typer.echo(f"creditor console on {where}  (Ctrl+C stops it)")
    uvicorn.run(app, host=host, port=port, proxy_headers=True, log_level="info", server_header=False)
