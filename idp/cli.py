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
from idp.accounts import operators
from idp.accounts import passwords
from idp.accounts import profiles
from idp.accounts.models import Operator
from idp.commands import Duration
from idp.commands import emit
from idp.commands import json_option
from idp.database import find
from idp.errors import ConfigError
from idp.errors import DomainError
from idp.oauth import clients as oauth_clients
from idp.security import SecretKind
from idp.security import generate_secret


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
        profile = profiles.get_profile(DEMO_PROFILE)
    except DomainError:
        profile = profiles.create_profile(DEMO_PROFILE)
    # The demo operator administers, so /docs can be tried end to end.
    profiles.update_profile(
        profile,
        manage_users=True,
        manage_clients=True,
    )
    try:
        operator = operators.get_operator(DEMO_OPERATOR)
    except DomainError:
        # On a fresh database the demo operator is the owner, who may do
        # everything in the console (webhooks included).
        has_owner = find(Operator, is_owner=True) is not None
        operator, _ = operators.create_operator(
            DEMO_OPERATOR, profile=profile, is_owner=not has_owner
        )
    password = generate_secret(SecretKind.PASSWORD)
    passwords.set_password(operator, password)
    secrets = {}
    for client_id, introspect in ((DEMO_CLIENT, False), (DEMO_RESOURCE_SERVER, True)):
        try:
            secrets[client_id] = oauth_clients.rotate_client_secret(
                oauth_clients.get_client(client_id)
            )
        except DomainError:
            _, secrets[client_id] = oauth_clients.register_client(
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


def init_app(app: Flask) -> None:
    from idp.accounts.cli import COMMANDS as account_commands
    from idp.audit.cli import audit_group
    from idp.credentials.cli import COMMANDS as credential_commands
    from idp.oauth.cli import COMMANDS as client_commands
    from idp.serve import serve_command
    from idp.webhooks import delivery_cli  # noqa: F401  (adds to `idp webhook`)
    from idp.webhooks.cli import event_type_group
    from idp.webhooks.cli import webhook_group
    from idp.webhooks.worker import webhooks_group

    for cmd in (
        *account_commands,
        *client_commands,
        *credential_commands,
        init_command,
        purge_command,
        demo_command,
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
