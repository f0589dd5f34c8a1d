"""The `idp` command: administer idp from a shell or a script.

Every command takes ``--json`` and then prints exactly one JSON object. Bad input
prints one line on stderr and exits with status 2, having written nothing.
"""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.exc import SQLAlchemyError

from idp.accounts import modules
from idp.accounts import services as accounts
from idp.accounts.models import Level
from idp.accounts.models import Module
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.models import Profile
from idp.accounts.modules import declared_modules
from idp.commands import Duration
from idp.commands import RateLimit
from idp.commands import command
from idp.commands import emit
from idp.commands import json_option
from idp.commands import read_stdin_secret
from idp.config import ConfigError
from idp.database import find
from idp.errors import DomainError
from idp.oauth import services as oauth
from idp.oauth.models import OAuthClient
from idp.schemas import utc_text
from idp.security import SecretKind
from idp.security import generate_secret

# -- schema ----------------------------------------------------------------


@click.command("init")
@json_option
@with_appcontext
def init_command(as_json: bool) -> None:
    """Create or upgrade the database schema; safe to run again."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    try:
        created = modules.apply_configured(current_app.config["MODULES"])
    except DomainError as error:
        raise click.UsageError(f"IDP_MODULES: {error}") from None
    result = {"status": "ok", "database": _safe_url()}
    if created:
        result["modules_created"] = created
    emit(result, as_json)


@click.command("purge")
@click.option(
    "--retention",
    type=Duration(),
    help="Keep dead rows this long first (default IDP_PURGE_RETENTION_SECONDS).",
)
@json_option
@with_appcontext
def purge_command(retention: int | None, as_json: bool) -> None:
    """Delete expired and revoked tokens and keys, and old change-log rows."""
    from idp.purge import purge

    seconds = retention or int(current_app.config["PURGE_RETENTION_SECONDS"])
    emit({"status": "ok", "deleted": [purge(seconds)]}, as_json)


def _safe_url() -> str:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )


# -- profiles --------------------------------------------------------------

profile_group = click.Group("profile", help="Profiles (roles) and their rights.")
LEVELS = click.Choice([level.value for level in Level])


def profile_dict(profile: Profile) -> dict:
    return {
        "name": profile.name,
        **profile.permissions(declared_modules()),
    }


@command(profile_group, "create")
@click.argument("name")
@click.option("--api-access/--no-api-access", default=True)
@click.option("--manage-users", is_flag=True)
@click.option("--manage-clients", is_flag=True)
def profile_create(
    name: str, api_access: bool, manage_users: bool, manage_clients: bool
) -> dict:
    """Create a profile; every module starts at `none`."""
    return profile_dict(
        accounts.create_profile(
            name,
            api_access=api_access,
            manage_users=manage_users,
            manage_clients=manage_clients,
        )
    )


@command(profile_group, "set")
@click.argument("name")
@click.option("--api-access/--no-api-access", default=None)
@click.option("--manage-users/--no-manage-users", default=None)
@click.option("--manage-clients/--no-manage-clients", default=None)
@click.option("--module", help="A declared module whose levels follow.")
@click.option("--add", type=LEVELS)
@click.option("--edit", type=LEVELS)
@click.option("--delete", type=LEVELS)
@click.option("--inquire", type=LEVELS)
def profile_set(
    name: str,
    api_access: bool | None,
    manage_users: bool | None,
    manage_clients: bool | None,
    module: str | None,
    **levels: str | None,
) -> dict:
    """Change rights and one module's levels; credentials see it at once."""
    levels = {action: level for action, level in levels.items() if level}
    if levels and not module:
        raise click.UsageError("--add/--edit/--delete/--inquire need --module.")
    profile = accounts.update_profile(
        accounts.get_profile(name),
        modules={module: levels} if module else None,
        api_access=api_access,
        manage_users=manage_users,
        manage_clients=manage_clients,
    )
    return profile_dict(profile)


@command(profile_group, "list")
def profile_list() -> dict:
    """Every profile with its rights and module levels."""
    return {"profiles": [profile_dict(p) for p in accounts.list_profiles()]}


@command(profile_group, "show")
@click.argument("name")
def profile_show(name: str) -> dict:
    """One profile with its rights and module levels."""
    return profile_dict(accounts.get_profile(name))


@command(profile_group, "delete")
@click.argument("name")
def profile_delete(name: str) -> dict:
    """Delete a profile that no operator holds."""
    accounts.delete_profile(accounts.get_profile(name))
    return {"name": name, "deleted": True}


# -- modules ---------------------------------------------------------------

module_group = click.Group("module", help="Modules whose levels profiles carry.")


def module_dict(module: Module) -> dict:
    return {"name": module.name, "created_at": utc_text(module.created_at)}


@command(module_group, "create")
@click.argument("name")
def module_create(name: str) -> dict:
    """Declare a module; every profile's levels for it start at `none`."""
    return module_dict(modules.create_module(None, name))


@command(module_group, "list")
def module_list() -> dict:
    """Every module, by name."""
    return {"modules": [module_dict(module) for module in modules.list_modules(None)]}


@command(module_group, "delete")
@click.argument("name")
def module_delete(name: str) -> dict:
    """Forget a module; refused while a profile gives a level on it."""
    modules.delete_module(None, name)
    return {"name": name, "deleted": True}


# -- operators -------------------------------------------------------------

operator_group = click.Group("operator", help="Operators: people and API members.")


def operator_dict(operator: Operator) -> dict:
    return {
        "username": operator.username,
        "id": operator.id,
        "kind": operator.kind,
        "owner": operator.is_owner,
        "active": operator.is_active,
        "profile": operator.profile.name,
        "rate_limit": operator.rate_limit or current_app.config["RATE_LIMIT"],
        "created_at": utc_text(operator.created_at),
    }


@command(operator_group, "create")
@click.argument("username")
@click.option("--profile", "profile_name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--owner", is_flag=True, help="The account holder (only one).")
@click.option(
    "--kind", type=click.Choice([k.value for k in OperatorKind]), default="person"
)
@click.option("--rate-limit", type=RateLimit(), help='For example "120/minute".')
def operator_create(
    username: str,
    profile_name: str,
    password_stdin: bool,
    owner: bool,
    kind: str,
    rate_limit: str | None,
) -> dict:
    """Create an operator; a generated password is printed once."""
    profile = accounts.get_profile(profile_name)
    password = read_stdin_secret("password") if password_stdin else None
    operator, generated = accounts.create_operator(
        username,
        profile=profile,
        password=password,
        kind=kind,
        is_owner=owner,
        rate_limit=rate_limit or None,
    )
    result = operator_dict(operator)
    if generated:
        result["password"] = generated
    return result


@command(operator_group, "set")
@click.argument("username")
@click.option("--active/--inactive", default=None)
@click.option("--profile", "profile_name")
@click.option("--rate-limit", type=RateLimit(), help='"" restores the default.')
def operator_set(
    username: str, active: bool | None, profile_name: str | None, rate_limit: str | None
) -> dict:
    """Change an operator; its credentials see the change at once."""
    operator = accounts.get_operator(username)
    profile = accounts.get_profile(profile_name) if profile_name else None
    return operator_dict(
        accounts.update_operator(
            operator, is_active=active, profile=profile, rate_limit=rate_limit
        )
    )


@command(operator_group, "list")
def operator_list() -> dict:
    """Every operator (never a password)."""
    return {"operators": [operator_dict(o) for o in accounts.list_operators()]}


@command(operator_group, "show")
@click.argument("username")
def operator_show(username: str) -> dict:
    """One operator (never its password)."""
    return operator_dict(accounts.get_operator(username))


@command(operator_group, "delete")
@click.argument("username")
def operator_delete(username: str) -> dict:
    """Delete an operator and every credential it holds (never the owner)."""
    accounts.delete_operator(accounts.get_operator(username))
    return {"username": username, "deleted": True}


# -- clients ---------------------------------------------------------------

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


# -- demo ------------------------------------------------------------------

DEMO_PROFILE = "demo"
DEMO_OPERATOR = "demo"
DEMO_CLIENT = "demo-script"
DEMO_RESOURCE_SERVER = "demo-resource-server"


@click.command("demo")
@click.option("--port", default=5000, show_default=True)
@json_option
@with_appcontext
def demo_command(port: int, as_json: bool) -> None:
    """Create (or refresh) a demo operator and clients, and print curl lines.

    Secrets cannot be shown twice, so each run sets new ones.
    """
    try:
        profile = accounts.get_profile(DEMO_PROFILE)
    except DomainError:
        profile = accounts.create_profile(DEMO_PROFILE)
    # The demo operator administers, so /docs can be tried end to end.
    accounts.update_profile(
        profile,
        manage_users=True,
        manage_clients=True,
    )
    try:
        operator = accounts.get_operator(DEMO_OPERATOR)
    except DomainError:
        # On a fresh database the demo operator is the owner, who may do
        # everything in the console (webhooks included).
        has_owner = find(Operator, is_owner=True) is not None
        operator, _ = accounts.create_operator(
            DEMO_OPERATOR, profile=profile, is_owner=not has_owner
        )
    password = generate_secret(SecretKind.PASSWORD)
    accounts.set_password(operator, password)
    secrets = {}
    for client_id, introspect in ((DEMO_CLIENT, False), (DEMO_RESOURCE_SERVER, True)):
        try:
            secrets[client_id] = oauth.rotate_client_secret(oauth.get_client(client_id))
        except DomainError:
            _, secrets[client_id] = oauth.register_client(
                client_id,
                access_token_ttl=current_app.config["DEFAULT_ACCESS_TTL"],
                refresh_token_ttl=current_app.config["DEFAULT_REFRESH_TTL"],
                may_introspect=introspect,
            )
    base = f"http://127.0.0.1:{port}"
    result = {
        "console": f"{base}/console",
        "username": DEMO_OPERATOR,
        "password": password,
        "client_id": DEMO_CLIENT,
        "client_secret": secrets[DEMO_CLIENT],
        "resource_server_id": DEMO_RESOURCE_SERVER,
        "resource_server_secret": secrets[DEMO_RESOURCE_SERVER],
    }
    if as_json:
        emit(result, True)
        return
    client_auth = f"{DEMO_CLIENT}:{secrets[DEMO_CLIENT]}"
    rs_auth = f"{DEMO_RESOURCE_SERVER}:{secrets[DEMO_RESOURCE_SERVER]}"
    click.echo(
        f"""
Console: open {base}/console and sign in as {DEMO_OPERATOR}{" (the owner)" if operator.is_owner else ""}
  username {DEMO_OPERATOR}
  password {password}

Demo credentials (new on every run; shown only here):
  operator {DEMO_OPERATOR} / {password}
  client   {client_auth}
  resource server (may introspect) {rs_auth}

Get a token (password grant):
  curl -s -X POST {base}/oauth/token -u '{client_auth}' \\
    -d 'grant_type=password&scope=public-api&username={DEMO_OPERATOR}&password={password}'

Refresh it (paste the refresh_token; each refresh returns a new one):
  curl -s -X POST {base}/oauth/token -u '{client_auth}' \\
    -d 'grant_type=refresh_token&refresh_token=REFRESH_TOKEN'

Introspect it as a resource server (counts one request of the rate limit):
  curl -s -X POST {base}/oauth/introspect -u '{rs_auth}' -d 'token=ACCESS_TOKEN'

Revoke it:
  curl -s -X POST {base}/oauth/revoke -u '{client_auth}' -d 'token=REFRESH_TOKEN'

Admin API docs: open {base}/docs once signed in to the console; to try calls,
authorize there with a personal access token (console: My profile) or:
  .venv/bin/idp pat create {DEMO_OPERATOR} --name docs
"""
    )


# -- wiring ----------------------------------------------------------------


def init_app(app: Flask) -> None:
    from idp.audit.cli import audit_group
    from idp.credentials.cli import COMMANDS as credential_commands
    from idp.serve import serve_command
    from idp.webhooks import delivery_cli  # noqa: F401  (adds to `idp webhook`)
    from idp.webhooks.cli import event_type_group
    from idp.webhooks.cli import webhook_group
    from idp.webhooks.worker import webhooks_group

    for cmd in (
        *credential_commands,
        init_command,
        purge_command,
        demo_command,
        profile_group,
        module_group,
        operator_group,
        client_group,
        webhooks_group,
        webhook_group,
        event_type_group,
        serve_command,
        audit_group,
    ):
        app.cli.add_command(cmd)


def _create_cli_app() -> Flask:
    from idp import create_app

    return create_app(serving=False)


class IdpGroup(FlaskGroup):
    """Flask's command group with idp's commands only.

    Flask's own (run, shell, routes) and its --app, --env-file and --debug
    options would offer a second way to start a server without idp's checks;
    Flask-Migrate's `db` stays for developers, hidden and without `downgrade`.
    """

    def __init__(self) -> None:
        super().__init__(
            name="idp",
            create_app=_create_cli_app,
            add_default_commands=False,
            add_version_option=False,
            load_dotenv=False,
            set_debug_flag=False,
            help="Administer idp.",
        )
        self.params = [p for p in self.params if p.name not in FLASK_OPTIONS]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if name == "db" and isinstance(command, click.Group):
            command.hidden = True
            command.commands.pop("downgrade", None)
        return command


FLASK_OPTIONS = {"app", "env_file", "debug"}
cli = IdpGroup()


def main() -> None:
    """Entry point of the `idp` script: every error is one line on stderr."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.format_message())
    except click.UsageError as error:
        click.echo(f"idp: error: {error.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"idp: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.Abort:
        sys.exit(130)
    except ConfigError as error:
        click.echo(f"idp: error: {error}", err=True)
        sys.exit(2)
    except SQLAlchemyError as error:
        click.echo(f"idp: error: {database_problem(error)}", err=True)
        sys.exit(1)


def database_problem(error: SQLAlchemyError) -> str:
    """One line for an operator: what failed, where, and what to do if we know.

    The driver's first line names the host, port, user or database (never a
    password); SQLAlchemy's own lines and the traceback say nothing more useful.
    """
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = detail[0] if detail else type(error).__name__
    if isinstance(error, ProgrammingError | OperationalError) and (
        "no such table" in first or "does not exist" in first and "relation" in first
    ):
        return f"the database has no idp schema yet ({first}); run `idp init`"
    try:
        where = make_url(os.environ["IDP_DATABASE_URL"]).render_as_string(
            hide_password=True
        )
    except (KeyError, ArgumentError):
        where = "IDP_DATABASE_URL"  # the default SQLite file, or a config file's
    return f"the database is unavailable: {first} ({where})"
