"""Profiles: the rights and module levels operators hold. Only services commit."""

from __future__ import annotations

from sqlalchemy import select

from idp import names
from idp.accounts import permissions
from idp.accounts.models import ACTIONS
from idp.accounts.models import Level
from idp.accounts.models import ModulePermission
from idp.accounts.models import Operator
from idp.accounts.models import Profile
from idp.accounts.modules import declared_modules
from idp.accounts.operators import rights_may_have_risen
from idp.audit.log import record
from idp.changes import writing
from idp.database import Listing
from idp.database import find
from idp.errors import Conflict
from idp.errors import InvalidInput
from idp.errors import found
from idp.extensions import db


def get_profile(name: str) -> Profile:
    return found(find(Profile, name=name), f"No profile named {name!r}.")


def list_profiles() -> Listing:
    return Listing(select(Profile).order_by(Profile.name))


def create_profile(
    name: str,
    *,
    api_access: bool = True,
    manage_users: bool = False,
    manage_clients: bool = False,
    modules: dict[str, dict[str, str]] | None = None,
    actor: Operator | None = None,
) -> Profile:
    """A new profile; every declared module starts at `none` unless given."""
    _check_levels(modules or {})
    permissions.require_grant(
        actor,
        {"manage_users": manage_users, "manage_clients": manage_clients},
        modules or {},
    )
    name = names.NAME.check(name, what="A profile name", field="name", max_length=80)
    if db.session.scalar(select(Profile.id).filter_by(name=name)) is not None:
        raise Conflict(f"A profile named {name!r} already exists.")
    profile = Profile(
        name=name,
        api_access=api_access,
        manage_users=manage_users,
        manage_clients=manage_clients,
    )
    _set_levels(profile, modules or {})
    db.session.add(profile)
    record("profile.created", f"profile:{name}", after=profile_data(profile))
    db.session.commit()
    return profile


def update_profile(
    profile: Profile,
    *,
    actor: Operator | None = None,
    modules: dict[str, dict[str, str]] | None = None,
    **rights: bool | None,
) -> Profile:
    """Change rights and module levels; takes effect at the next introspection."""
    owner_profile = db.session.scalar(
        select(Operator.profile_id).filter_by(is_owner=True)
    )
    permissions.require_change(actor, owner_affected=owner_profile == profile.id)
    unknown = set(rights) - {"api_access", "manage_users", "manage_clients"}
    if unknown:
        raise InvalidInput(f"Unknown right {sorted(unknown)[0]!r}.")
    _check_levels(modules or {})
    permissions.require_grant(actor, rights, modules or {}, current=profile)
    before = profile_data(profile)
    for right, value in rights.items():
        if value is not None:
            setattr(profile, right, value)
    _set_levels(profile, modules or {})
    db.session.flush()
    record(
        "profile.updated",
        f"profile:{profile.name}",
        before=before,
        after=profile_data(profile),
    )
    rights_may_have_risen(
        db.session.scalars(select(Operator).filter_by(profile_id=profile.id)).all()
    )
    writing.commit(writing.tag("profile", profile.id))
    return profile


def _check_levels(modules: dict[str, dict[str, str]]) -> None:
    """Refuse an undeclared module or an unknown action or level."""
    declared = declared_modules() if modules else ()
    for module, levels in modules.items():
        if module not in declared:
            raise InvalidInput(
                f"Unknown module {module!r}; declared: {', '.join(declared) or 'none'}.",
                field="modules",
            )
        for action, level in levels.items():
            if action not in ACTIONS or level not in set(Level):
                raise InvalidInput(
                    f"Invalid level {level!r} for {action!r}.", field="modules"
                )


def _set_levels(profile: Profile, modules: dict[str, dict[str, str]]) -> None:
    """Apply module levels already checked by :func:`_check_levels`."""
    for module, levels in modules.items():
        row = next((m for m in profile.modules if m.module == module), None)
        if row is None:
            row = ModulePermission(module=module, **dict.fromkeys(ACTIONS, "none"))
            profile.modules.append(row)
        for action, level in levels.items():
            setattr(row, action, level)


def delete_profile(profile: Profile) -> None:
    """Delete a profile no operator holds (their rights would go with it)."""
    holders = db.session.scalars(
        select(Operator.username).filter_by(profile_id=profile.id).limit(5)
    ).all()
    if holders:
        raise Conflict(
            f"The profile {profile.name!r} is held by {', '.join(holders)}; "
            "give them another first."
        )
    record("profile.deleted", f"profile:{profile.name}", before=profile_data(profile))
    db.session.delete(profile)
    writing.commit(writing.tag("profile", profile.id))


def profile_data(profile: Profile) -> dict:
    """A profile's rights and the levels it gives, for the audit log."""
    return {
        "name": profile.name,
        "api_access": profile.api_access,
        "manage_users": profile.manage_users,
        "manage_clients": profile.manage_clients,
        "modules": {
            row.module: {action: getattr(row, action) for action in ACTIONS}
            for row in sorted(profile.modules, key=lambda row: row.module)
        },
    }
