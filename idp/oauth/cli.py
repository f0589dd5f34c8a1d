"""`idp client`: OAuth clients from the shell, through the same services as the API."""

from __future__ import annotations

import click
from flask import current_app

from idp.commands import Duration
from idp.commands import command
from idp.commands import read_stdin_secret
from idp.oauth import services as oauth
from idp.oauth.models import OAuthClient
from idp.schemas import utc_text

client_group = click.Group("client", help="OAuth clients.")


def client_dict(client: OAuthClient) -> dict:
    return {
        "client_id": client.client_id,
        "scope": client.scope,
        "access_token_ttl": client.access_token_ttl,
        "refresh_token_ttl": client.refresh_token_ttl,
        "password_grant": client.password_grant,
        "refresh_tokens": client.refresh_tokens,
        "introspect": client.may_introspect,
        "publish_events": client.may_publish_events,
        "created_at": utc_text(client.created_at),
        "last_used_at": utc_text(client.last_used_at),
    }


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
    client, secret = oauth.register_client(
        client_id,
        secret=secret,
        access_token_ttl=access_ttl or current_app.config["DEFAULT_ACCESS_TTL"],
        refresh_token_ttl=refresh_ttl or current_app.config["DEFAULT_REFRESH_TTL"],
        password_grant=password_grant,
        refresh_tokens=refresh_token,
        may_introspect=introspect,
        may_publish_events=publish_events,
    )
    result = client_dict(client)
    if not secret_stdin:
        result["client_secret"] = secret
    return result


@command(client_group, "list")
def client_list() -> dict:
    """Every registered client (never a secret)."""
    return {"clients": [client_dict(client) for client in oauth.list_clients()]}


@command(client_group, "show")
@click.argument("client_id")
def client_show(client_id: str) -> dict:
    """One client (never its secret)."""
    return client_dict(oauth.get_client(client_id))


@command(client_group, "delete")
@click.argument("client_id")
def client_delete(client_id: str) -> dict:
    """Delete a client and every token issued through it."""
    oauth.delete_client(oauth.get_client(client_id))
    return {"client_id": client_id, "deleted": True}


@command(client_group, "rotate-secret")
@click.argument("client_id")
def client_rotate_secret(client_id: str) -> dict:
    """Replace the secret with a generated one, printed once; the old one stops."""
    client = oauth.get_client(client_id)
    secret = oauth.rotate_client_secret(client)
    return {**client_dict(client), "client_secret": secret}


COMMANDS = (client_group,)
