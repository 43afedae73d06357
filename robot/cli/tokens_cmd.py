"""``token``: the status API's tokens (``GET /api/v1/invoices``), each bound to one customer.

    fakturarobot token add --customer 5798000000001 --name "purchase system"
    fakturarobot token list [--json]
    fakturarobot token revoke 3

``add`` prints the token once (only its sha256 is stored: a lost token is revoked and a new one
made); ``list`` shows the tokens' ids, customers, names and dates, never their values; ``revoke``
ends a token at once. Exit 0 done, 2 a usage error (no customer, unknown or revoked token id).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from robot.cli.common import CFG, DB, LIST_JSON, check_action, echo_list, json_fields, usage_error

if TYPE_CHECKING:
    from robot.store.api_tokens import TokenInfo

ACTIONS = ("add", "list", "revoke")


def token(
    action: str = typer.Argument(..., help="add, list or revoke"),
    token_id: str | None = typer.Argument(None, help="revoke: the token's id (from token list)"),
    customer: str | None = typer.Option(None, "--customer", help="add: the customer the token sees"),
    name: str = typer.Option("", "--name", help="add: a label, such as the system that uses it"),
    as_json: bool = LIST_JSON,
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Status API tokens: token add --customer ID [--name LABEL] (prints the token once), token list
    [--json], token revoke ID."""
    from robot.cli.store_lookup import cli_store
    from robot.store.api_tokens import ApiTokens, TokenError

    check_action(action, ACTIONS)
    if action == "revoke" and not (token_id or "").isdigit():
        usage_error("token revoke needs the token's ID (a number, from token list)")
    if action == "add" and not customer:
        usage_error("token add needs --customer ID")
    with cli_store(database, config, read_only=action == "list") as store:
        tokens = ApiTokens(store.sessions)
        if action == "list":
            echo_list(
                tokens.all(),
                as_json=as_json,
                row=lambda t: json_fields(t, token_id="id"),
                lines=_token_lines,
                empty="no tokens (make one: fakturarobot token add --customer ID)",
            )
        elif action == "revoke":
            if not tokens.revoke(int(token_id or "0")):
                usage_error(f"no token {token_id} that is not revoked already")
            typer.echo(f"token {token_id} revoked")
        else:
            try:
                made = tokens.add(customer or "", name)
            except TokenError as exc:
                usage_error(str(exc))
            typer.echo(
                f"token {made.token_id} for customer {made.customer_id} (shown only now, keep it safe):"
            )
            typer.echo(made.token)


def _token_lines(every: Sequence[TokenInfo]) -> Iterator[str]:
    here = ZoneInfo("Europe/Copenhagen")
    for t in every:
        state = f"revoked {t.revoked_at.astimezone(here):%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        used = f"used {t.last_used_at.astimezone(here):%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        yield f"{t.token_id:>4}  {t.customer_id:<16}  {state:<24}  {used:<22}  {t.name}"
