"""``user``: the people of the creditor console (``fakturarobot web``) in the store.

    echo "$PASSWORD" | fakturarobot user add anna --role creditor --password-stdin
    fakturarobot user add ole --role viewer --customer 5798000000001 --password-stdin < pw.txt
    fakturarobot user list [--json]
    fakturarobot user disable anna

Roles: ``viewer`` reads, ``creditor`` also decides (release, return, retry, assign, comment),
``admin`` also manages people. ``--customer``: the user sees only that customer's invoices. The
password (at least 12 characters) is read from the first line of stdin with ``--password-stdin``,
else asked for twice on a terminal; only its argon2id hash is stored. Disabling ends the user's
sessions at once. Exit 0 done, 2 a usage error (unknown user, taken name, short password, ...).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from robot.cli.common import CFG, DB, LIST_JSON, check_action, echo_list, usage_error

if TYPE_CHECKING:
    from robot.store.users import Person

ACTIONS = ("add", "list", "disable")


def user(
    action: str = typer.Argument(..., help="add, list or disable"),
    name: str | None = typer.Argument(None, help="The user's name (add, disable)"),
    role: str | None = typer.Option(
        None, "--role", help="add: creditor, viewer, admin or customer (needs --customer)"
    ),
    customer: str | None = typer.Option(None, "--customer", help="add: restrict the user to this customer"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="add: read the password from the first line of stdin"
    ),
    as_json: bool = LIST_JSON,
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Manage the creditor console's users: user add NAME --role creditor|viewer|admin [--customer ID]
    --password-stdin, user list [--json], user disable NAME."""
    from robot.cli.store_lookup import cli_store
    from robot.store.users import UserError, Users

    check_action(action, ACTIONS)
    if action != "list" and not name:
        usage_error(f"user {action} needs the user's NAME")
    with cli_store(database, config, read_only=action == "list") as store:
        people = Users(store.sessions)
        if action == "list":
            echo_list(
                people.all(),
                as_json=as_json,
                lines=_user_lines,
                empty="no users (add one: fakturarobot user add NAME --role creditor --password-stdin)",
            )
        elif action == "disable":
            if not people.disable(name or ""):
                usage_error(f"no user {name!r}")
            typer.echo(f"user {name} disabled; their sessions are ended")
        else:
            if role is None:
                usage_error("user add needs --role creditor, viewer, admin or customer")
            try:
                people.add(name or "", role, _password(password_stdin), customer_id=customer)
            except UserError as exc:
                usage_error(str(exc))
            limited = f", customer {customer}" if customer else ""
            typer.echo(f"user {name} added ({role}{limited})")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        usage_error("give the password with --password-stdin (no terminal to ask on)")
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


def _user_lines(everyone: Sequence[Person]) -> Iterator[str]:
    width = max(len(p.name) for p in everyone)
    for p in everyone:
        state = "disabled" if p.disabled else "enabled"
        yield f"{p.name:<{width}}  {p.role:<8}  {state:<8}  {p.customer_id or '(all customers)'}"
