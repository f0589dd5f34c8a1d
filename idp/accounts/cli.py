"""`idp profile`, `idp module` and `idp operator`: accounts from the shell.

The command line acts as the administrator; the permission rules bind the HTTP
surfaces (idp.accounts.permissions).
"""

from __future__ import annotations

import click

from idp.accounts import modules
from idp.accounts import operators
from idp.accounts import profiles
from idp.accounts.models import Level
from idp.accounts.models import OperatorKind
from idp.accounts.schemas import ModuleSchema
from idp.accounts.schemas import OperatorCreatedSchema
from idp.accounts.schemas import OperatorSchema
from idp.accounts.schemas import ProfileSchema
from idp.commands import RateLimit
from idp.commands import command
from idp.commands import read_stdin_secret

# The admin API's schemas: the shell prints what /api/v1 answers.
PROFILE = ProfileSchema()
MODULE = ModuleSchema()
OPERATOR = OperatorSchema()
OPERATOR_CREATED = OperatorCreatedSchema()

profile_group = click.Group("profile", help="Profiles (roles) and their rights.")
LEVELS = click.Choice([level.value for level in Level])


@command(profile_group, "create")
@click.argument("name")
@click.option("--api-access/--no-api-access", default=True)
@click.option("--manage-users", is_flag=True)
@click.option("--manage-clients", is_flag=True)
def profile_create(
    name: str, api_access: bool, manage_users: bool, manage_clients: bool
) -> dict:
    """Create a profile; every module starts at `none`."""
    return PROFILE.dump(
        profiles.create_profile(
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
    profile = profiles.update_profile(
        profiles.get_profile(name),
        modules={module: levels} if module else None,
        api_access=api_access,
        manage_users=manage_users,
        manage_clients=manage_clients,
    )
    return PROFILE.dump(profile)


@command(profile_group, "list")
def profile_list() -> dict:
    """Every profile with its rights and module levels."""
    return {"profiles": PROFILE.dump(profiles.list_profiles(), many=True)}


@command(profile_group, "show")
@click.argument("name")
def profile_show(name: str) -> dict:
    """One profile with its rights and module levels."""
    return PROFILE.dump(profiles.get_profile(name))


@command(profile_group, "delete")
@click.argument("name")
def profile_delete(name: str) -> dict:
    """Delete a profile that no operator holds."""
    profiles.delete_profile(profiles.get_profile(name))
    return {"name": name, "deleted": True}


module_group = click.Group("module", help="Modules whose levels profiles carry.")


@command(module_group, "create")
@click.argument("name")
def module_create(name: str) -> dict:
    """Declare a module; every profile's levels for it start at `none`."""
    return MODULE.dump(modules.create_module(None, name))


@command(module_group, "list")
def module_list() -> dict:
    """Every module, by name."""
    return {"modules": MODULE.dump(modules.list_modules(None), many=True)}


@command(module_group, "delete")
@click.argument("name")
def module_delete(name: str) -> dict:
    """Forget a module; refused while a profile gives a level on it."""
    modules.delete_module(None, name)
    return {"name": name, "deleted": True}


operator_group = click.Group("operator", help="Operators: people and API members.")


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
    profile = profiles.get_profile(profile_name)
    password = read_stdin_secret("password") if password_stdin else None
    created = operators.create_operator(
        username,
        profile=profile,
        password=password,
        kind=kind,
        is_owner=owner,
        rate_limit=rate_limit or None,
    )
    # A password read from stdin is the caller's: it is not printed back.
    if created.secret is None:
        return OPERATOR.dump(created.row)
    return OPERATOR_CREATED.dump(created)


@command(operator_group, "set")
@click.argument("username")
@click.option("--active/--inactive", default=None)
@click.option("--profile", "profile_name")
@click.option("--rate-limit", type=RateLimit(), help='"" restores the default.')
def operator_set(
    username: str, active: bool | None, profile_name: str | None, rate_limit: str | None
) -> dict:
    """Change an operator; its credentials see the change at once."""
    operator = operators.get_operator(username)
    profile = profiles.get_profile(profile_name) if profile_name else None
    return OPERATOR.dump(
        operators.update_operator(
            operator, is_active=active, profile=profile, rate_limit=rate_limit
        )
    )


@command(operator_group, "list")
def operator_list() -> dict:
    """Every operator (never a password)."""
    return {"operators": OPERATOR.dump(operators.list_operators(), many=True)}


@command(operator_group, "show")
@click.argument("username")
def operator_show(username: str) -> dict:
    """One operator (never its password)."""
    return OPERATOR.dump(operators.get_operator(username))


@command(operator_group, "delete")
@click.argument("username")
def operator_delete(username: str) -> dict:
    """Delete an operator and every credential it holds (never the owner)."""
    operators.delete_operator(operators.get_operator(username))
    return {"username": username, "deleted": True}


COMMANDS = (profile_group, module_group, operator_group)
