"""`idp client`: OAuth clients from the shell, through the same services as the API."""

from __future__ import annotations

import click
from flask import current_app

from idp.commands import Duration
from idp.commands import command
from idp.commands import read_stdin_secret
from idp.created import Created
from idp.oauth import clients as oauth_clients
from idp.oauth.schemas import ClientCreatedSchema
from idp.oauth.schemas import ClientSchema

# The admin API's schemas: the shell prints what /api/v1 answers.
CLIENT = ClientSchema()
CLIENT_CREATED = ClientCreatedSchema()

client_group = click.Group("client", help="OAuth clients.")


@command(client_group, "create")
@click.argument("client_id")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from stdin.")
@click.option(
    "--access-ttl", type=Duration(), help="Access-token lifetime, e.g. 1h30m."
)
@click.option(
    "--refresh-ttl", type=Duration(), help="Refresh-token lifetime, e.g. 30d."
)
@click.option(
    "--password-grant/--no-password-grant",
    default=None,
    help="Default: yes, except with --introspect.",
)
@click.option("--refresh-token/--no-refresh-token", default=True)
@click.option("--introspect", is_flag=True, help="May introspect (a resource server).")
@click.option(
    "--publish-events", is_flag=True, help="May publish events (POST /api/v1/events)."
)
def client_create(
    client_id: str,
    secret_stdin: bool,
    access_ttl: int | None,
    refresh_ttl: int | None,
    password_grant: bool | None,
    refresh_token: bool,
    introspect: bool,
    publish_events: bool,
) -> dict:
    """Register a client; a generated secret is printed once."""
    secret = read_stdin_secret("secret") if secret_stdin else None
    created = oauth_clients.register_client(
        client_id,
        secret=secret,
        access_token_ttl=access_ttl or current_app.config["DEFAULT_ACCESS_TTL"],
        refresh_token_ttl=refresh_ttl or current_app.config["DEFAULT_REFRESH_TTL"],
        password_grant=password_grant,
        refresh_tokens=refresh_token,
        may_introspect=introspect,
        may_publish_events=publish_events,
    )
    # A secret read from stdin is the caller's: it is not printed back.
    if secret_stdin:
        return CLIENT.dump(created.row)
    return CLIENT_CREATED.dump(created)


@command(client_group, "list")
def client_list() -> dict:
    """Every registered client (never a secret)."""
    return {"clients": CLIENT.dump(oauth_clients.list_clients(), many=True)}


@command(client_group, "show")
@click.argument("client_id")
def client_show(client_id: str) -> dict:
    """One client (never its secret)."""
    return CLIENT.dump(oauth_clients.get_client(client_id))


@command(client_group, "delete")
@click.argument("client_id")
def client_delete(client_id: str) -> dict:
    """Delete a client and every token issued through it."""
    oauth_clients.delete_client(oauth_clients.get_client(client_id))
    return {"client_id": client_id, "deleted": True}


@command(client_group, "rotate-secret")
@click.argument("client_id")
def client_rotate_secret(client_id: str) -> dict:
    """Replace the secret with a generated one, printed once; the old one stops."""
    client = oauth_clients.get_client(client_id)
    secret = oauth_clients.rotate_client_secret(client)
    return CLIENT_CREATED.dump(Created(client, secret))


COMMANDS = (client_group,)
