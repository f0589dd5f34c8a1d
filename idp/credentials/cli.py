"""`idp pat`, `idp api-account` and `idp api-key`: credentials from the shell.

Answers are dumped by the admin API's schemas. The command line acts as the
administrator; the permission rules bind the HTTP surfaces
(idp.accounts.permissions).
"""

from __future__ import annotations

import click

from idp.accounts import operators
from idp.commands import Duration
from idp.commands import command
from idp.credentials import services
from idp.credentials.schemas import ApiAccountCreatedSchema
from idp.credentials.schemas import ApiAccountSchema
from idp.credentials.schemas import ApiKeyCreatedSchema
from idp.credentials.schemas import ApiKeySchema
from idp.credentials.schemas import PersonalAccessTokenCreatedSchema
from idp.credentials.schemas import PersonalAccessTokenSchema
from idp.database import MAX_ID

pat_group = click.Group("pat", help="Personal access tokens.")
api_account_group = click.Group("api-account", help="API accounts (HTTP Basic pairs).")
api_key_group = click.Group("api-key", help="API keys of API members.")


@command(pat_group, "create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--expires-in", type=Duration(), help="For example 30d; default never.")
def pat_create(username: str, name: str, expires_in: int | None) -> dict:
    """Create a token for USERNAME; it is printed once."""
    operator = operators.get_operator(username)
    created = services.issue_personal_access_token(
        None, operator, name=name, expires_in=expires_in
    )
    return PersonalAccessTokenCreatedSchema().dump(created)


@command(pat_group, "list")
@click.argument("username")
def pat_list(username: str) -> dict:
    """USERNAME's tokens that are not revoked (never the tokens themselves)."""
    operator = operators.get_operator(username)
    tokens = services.list_personal_access_tokens(None, operator)
    return {"tokens": PersonalAccessTokenSchema(many=True).dump(tokens)}


@command(pat_group, "revoke")
@click.argument("username")
@click.argument("token_id", type=click.IntRange(1, MAX_ID))
def pat_revoke(username: str, token_id: int) -> dict:
    """Revoke one of USERNAME's tokens; it stops working at once."""
    operator = operators.get_operator(username)
    services.revoke_personal_access_token(None, operator, token_id)
    return {"id": token_id, "revoked": True}


@command(api_account_group, "create")
@click.argument("username")
def api_account_create(username: str) -> dict:
    """Create an API account for USERNAME; the password is printed once."""
    operator = operators.get_operator(username)
    created = services.create_api_account(None, operator)
    return ApiAccountCreatedSchema().dump(created)


@command(api_account_group, "list")
@click.argument("username")
def api_account_list(username: str) -> dict:
    """USERNAME's API accounts (never a password)."""
    operator = operators.get_operator(username)
    accounts_ = services.list_api_accounts(None, operator)
    return {"api_accounts": ApiAccountSchema(many=True).dump(accounts_)}


@command(api_account_group, "delete")
@click.argument("username")
@click.argument("account_username")
def api_account_delete(username: str, account_username: str) -> dict:
    """Delete one of USERNAME's API accounts; it stops working at once."""
    operator = operators.get_operator(username)
    services.delete_api_account(None, operator, account_username)
    return {"username": account_username, "deleted": True}


@command(api_key_group, "create")
@click.argument("username")
@click.option("--description", default="", help="What the key is for.")
def api_key_create(username: str, description: str) -> dict:
    """Create a key pair for API member USERNAME; the private key is printed once."""
    member = operators.get_operator(username)
    created = services.create_api_key(None, member, description=description)
    return ApiKeyCreatedSchema().dump(created)


@command(api_key_group, "list")
@click.argument("username")
def api_key_list(username: str) -> dict:
    """API member USERNAME's keys that are not revoked (never a private key)."""
    member = operators.get_operator(username)
    return {
        "api_keys": ApiKeySchema(many=True).dump(services.list_api_keys(None, member))
    }


@command(api_key_group, "revoke")
@click.argument("username")
@click.argument("public_key")
def api_key_revoke(username: str, public_key: str) -> dict:
    """Revoke one of API member USERNAME's keys; it stops working at once."""
    member = operators.get_operator(username)
    services.revoke_api_key(None, member, public_key)
    return {"public_key": public_key, "revoked": True}


COMMANDS = (pat_group, api_account_group, api_key_group)
