"""Rules for operators and profiles. Only services commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import has_request_context
from flask import request
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from idp import changes
from idp import metrics
from idp import names
from idp.accounts import permissions
from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import ACTIONS
from idp.accounts.models import Level
from idp.accounts.models import ModulePermission
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.models import Profile
from idp.accounts.modules import declared_modules
from idp.audit.log import record
from idp.created import Created
from idp.database import Listing
from idp.database import find
from idp.errors import Conflict
from idp.errors import InvalidInput
from idp.errors import NotFound
from idp.extensions import db
from idp.ratelimit import login_throttle
from idp.ratelimit.limiter import parse_limit
from idp.security import SecretKind
from idp.security import generate_secret
from idp.security import hash_password
from idp.security import verify_password
from idp.timeutil import utcnow
from idp.webhooks.events import operator_data
from idp.webhooks.outbox import emit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from idp.credentials.models import ApiAccount
    from idp.credentials.models import ApiKey


def get_profile(name: str) -> Profile:
    profile = find(Profile, name=name)
    if profile is None:
        raise NotFound(f"No profile named {name!r}.")
    return profile


def get_operator(username: str) -> Operator:
    operator = find(Operator, username=username)
    if operator is None:
        raise NotFound(f"No operator named {username!r}.")
    return operator


def list_profiles() -> Listing:
    return Listing(select(Profile).order_by(Profile.name))


def list_operators() -> Listing:
    return Listing(select(Operator).order_by(Operator.username))


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
    recheck_credentials(
        db.session.scalars(select(Operator).filter_by(profile_id=profile.id)).all()
    )
    changes.commit(changes.tag("profile", profile.id))
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


def create_operator(
    username: str,
    *,
    profile: Profile,
    password: str | None = None,
    kind: str = OperatorKind.PERSON,
    is_owner: bool = False,
    rate_limit: str | None = None,
    actor: Operator | None = None,
) -> Created:
    """A new operator and, for a person without a chosen password, a generated one.

    API members have no password: they authenticate only with API keys.
    """
    permissions.require_holds(actor, profile)
    username = names.NAME.check(
        username, what="A username", field="username", max_length=150
    )
    if kind not in set(OperatorKind):
        raise InvalidInput(f"Unknown operator kind {kind!r}.")
    _check_rate_limit(rate_limit)
    if db.session.scalar(select(Operator.id).filter_by(username=username)):
        raise Conflict(f"An operator named {username!r} already exists.")
    if is_owner and kind != OperatorKind.PERSON:
        raise InvalidInput("The owner is a person, not an API member.")
    if is_owner and db.session.scalar(select(Operator.id).filter_by(is_owner=True)):
        raise Conflict("There is already an owner.")
    generated = None
    if kind == OperatorKind.API_MEMBER:
        if password is not None:
            raise InvalidInput("An API member has no password; it uses API keys.")
    elif password is None:
        password = generated = generate_secret(SecretKind.PASSWORD)
    elif not password:
        raise InvalidInput("The password is empty.")
    operator = Operator(
        username=username,
        profile=profile,
        kind=kind,
        is_owner=is_owner,
        rate_limit=rate_limit,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(operator)
    emit("operator.created", operator_data(operator))
    record(
        "operator.created",
        f"operator:{username}",
        after=operator_data(operator) | {"rate_limit": rate_limit},
    )
    db.session.commit()
    return Created(operator, generated)


def update_operator(
    operator: Operator,
    *,
    actor: Operator | None = None,
    is_active: bool | None = None,
    profile: Profile | None = None,
    rate_limit: str | None = None,
) -> Operator:
    """Change an operator; takes effect at the next introspection."""
    permissions.require_change(actor, owner_affected=operator.is_owner)
    before = operator_data(operator) | {"rate_limit": operator.rate_limit}
    if profile is not None:
        permissions.require_holds(actor, profile)
    if rate_limit is not None:
        permissions.require_rate_limit_change(actor, operator)
    if is_active is False and operator.is_active:
        # Reactivation must not bring back what was issued before.
        _end_credentials(operator)
    if is_active is not None:
        operator.is_active = is_active
    if profile is not None:
        operator.profile = profile
        db.session.flush()
        recheck_credentials([operator])
    if rate_limit is not None:
        # An empty string goes back to the configured default.
        _check_rate_limit(rate_limit or None)
        operator.rate_limit = rate_limit or None
    emit("operator.updated", operator_data(operator))
    record(
        "operator.updated",
        f"operator:{operator.username}",
        before=before,
        after=operator_data(operator) | {"rate_limit": operator.rate_limit},
    )
    changes.commit(changes.tag("operator", operator.id))
    return operator


def delete_operator(operator: Operator) -> None:
    """Delete an operator and, with it, every credential it holds.

    The owner is never deleted: the account holder is who every other right
    comes from, and only the owner's own credentials could replace it.
    """
    if operator.is_owner:
        raise Conflict("The owner cannot be deleted.")
    username, operator_id = operator.username, operator.id
    before = operator_data(operator) | {"rate_limit": operator.rate_limit}
    db.session.delete(operator)  # tokens, PATs, accounts, keys: ON DELETE CASCADE
    emit("operator.deleted", {"username": username})
    record("operator.deleted", f"operator:{username}", before=before)
    changes.commit(changes.tag("operator", operator_id))


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
    changes.commit(changes.tag("profile", profile.id))


def recheck_credentials(operators: Iterable[Operator]) -> None:
    """End API accounts and keys whose maker could not make them now.

    Called when rights may have risen: an admin who made a credential for a
    weaker operator must not, by a later raise, have lent more than it holds.
    Those made by the operator itself or by the idp command stay.
    """
    from idp.credentials.models import ApiAccount
    from idp.credentials.models import ApiKey

    for operator in operators:
        for model, kind in (
            (ApiAccount, CredentialKind.API_ACCOUNT),
            (ApiKey, CredentialKind.API_KEY),
        ):
            made_by_others = select(model).where(
                model.operator_id == operator.id,
                model.made_by_id.is_not(None),
                model.made_by_id != operator.id,
            )
            for row in db.session.scalars(made_by_others).all():
                maker = db.session.get(Operator, row.made_by_id)
                if maker is None or not permissions.may(
                    maker, permissions.Action.CREATE, kind, operator
                ):
                    _end(row)


def _end(row: ApiAccount | ApiKey) -> None:
    if hasattr(row, "revoked_at"):
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    else:
        db.session.delete(row)


def _end_credentials(operator: Operator) -> None:
    """Revoke every token and key of ``operator`` and delete its API accounts."""
    from idp.credentials.models import ApiAccount
    from idp.credentials.models import ApiKey
    from idp.credentials.models import PersonalAccessToken
    from idp.oauth.models import OAuthToken

    now = utcnow()
    mine = {"operator_id": operator.id}
    for model, column in (
        (OAuthToken, "access_revoked_at"),
        (OAuthToken, "refresh_revoked_at"),
        (PersonalAccessToken, "revoked_at"),
        (ApiKey, "revoked_at"),
    ):
        db.session.execute(
            update(model)
            .filter_by(**mine, **{column: None})
            .values({column: now})
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        delete(ApiAccount)
        .filter_by(**mine)
        .execution_options(synchronize_session=False)
    )


def set_password(operator: Operator, password: str) -> None:
    if operator.kind != OperatorKind.PERSON:
        raise InvalidInput("An API member has no password; it uses API keys.")
    if not password:
        raise InvalidInput("The password is empty.")
    operator.password_hash = hash_password(password)
    record("operator.password_set", f"operator:{operator.username}")
    db.session.commit()


def verify_operator_password(
    username: str, password: str, source: str | None = None
) -> Operator | None:
    """The operator with these credentials, or None, in the same time either way.

    Failures slow further attempts from the same source for the same username
    (:class:`idp.ratelimit.LoginThrottle`); a delayed attempt answers like a wrong
    password. ``source`` defaults to the request's address.
    """
    if source is None and has_request_context():
        source = request.remote_addr
    operator = find(Operator, username=username)
    new_hash = None

    def verify() -> bool:
        nonlocal new_hash
        ok, new_hash = verify_password(operator and operator.password_hash, password)
        return ok

    if not login_throttle().attempt(username, source, verify):
        metrics.LOGIN_FAILURES.inc()
        return None
    if new_hash:
        operator.password_hash = new_hash
        db.session.commit()
    return operator


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


def _check_rate_limit(rate_limit: str | None) -> None:
    if rate_limit is None:
        return
    try:
        parse_limit(rate_limit)
    except ValueError:
        raise InvalidInput(
            f"Invalid rate limit {rate_limit!r}; use a form like '120/minute'.",
            field="rate_limit",
        ) from None
