"""Who may do what to whom: the one place it is decided.

Which credential of whom an operator may create, list and revoke; who may change
the owner; who may give which right. The HTTP surfaces pass the acting operator;
the `idp` command acts as the administrator and passes None. The credential rules
are tested for every combination of actor, action, kind and target
(tests/accounts/test_permissions.py); the others, and every role on every API
endpoint, in tests/admin.
"""

from __future__ import annotations

from enum import StrEnum

from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import ACTIONS
from idp.accounts.models import Level
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.models import Profile
from idp.errors import DomainError


class Forbidden(DomainError):
    """The actor may not do this; the message says why without naming secrets."""

    status = 403


class Action(StrEnum):
    CREATE = "create"
    LIST = "list"
    REVOKE = "revoke"


class Right(StrEnum):
    """Profile rights that open parts of the API and the console (the owner holds all)."""

    MANAGE_USERS = "manage_users"
    MANAGE_CLIENTS = "manage_clients"


def has_right(operator: Operator, right: Right) -> bool:
    return operator.is_owner or getattr(operator.profile, right.value)


def may_sign_in(operator: Operator) -> bool:
    """Whether ``operator`` may log in with its password (grant, console, /register).

    API members authenticate only with API keys; everyone needs api_access.
    """
    return operator.may_use_password_grant()


def is_admin(operator: Operator) -> bool:
    """The owner holds every right; others need manage_users."""
    return operator.is_owner or operator.profile.manage_users


def may(
    actor: Operator | None, action: Action, kind: CredentialKind, target: Operator
) -> bool:
    """Whether ``actor`` may ``action`` a ``kind`` credential of ``target``."""
    if actor is None:
        return True  # the administrator at the command line
    if not actor.may_use_api() or actor.kind != OperatorKind.PERSON:
        # API members act only at resource servers, never on credentials.
        return False
    if actor.id == target.id:
        # Anyone manages its own tokens and accounts; keys are an admin's job.
        return kind != CredentialKind.API_KEY or is_admin(actor)
    if not is_admin(actor):
        return False
    if action == Action.LIST:
        return True
    if target.is_owner:
        # Only the owner creates or revokes the owner's credentials.
        return False
    if action == Action.CREATE:
        # A personal access token is personal: nobody makes one for someone
        # else; and a credential of someone stronger would lend its rights.
        return kind != CredentialKind.PERSONAL_ACCESS_TOKEN and holds(
            actor, target.profile
        )
    return True


def may_change(actor: Operator | None, *, owner_affected: bool) -> bool:
    """Whether ``actor`` may change an operator or a profile.

    Only the owner changes the owner, or the profile it holds: otherwise an admin
    with manage_users could deactivate the owner, or strip its profile of
    api_access, and so stop the credentials only the owner may revoke.
    """
    return actor is None or actor.is_owner or not owner_affected


def require_change(actor: Operator | None, *, owner_affected: bool) -> None:
    """Raise :class:`Forbidden` unless :func:`may_change` allows it."""
    if not may_change(actor, owner_affected=owner_affected):
        raise Forbidden("Only the owner changes the owner or the owner's profile.")


def may_manage_modules(actor: Operator | None) -> bool:
    """Whoever edits profiles declares the modules their levels are about."""
    return actor is None or (
        actor.may_use_api() and has_right(actor, Right.MANAGE_USERS)
    )


def require_manage_modules(actor: Operator | None) -> None:
    """Raise :class:`Forbidden` unless :func:`may_manage_modules` allows it."""
    if not may_manage_modules(actor):
        raise Forbidden("This needs the manage_users right.")


def may_manage_webhooks(actor: Operator | None) -> bool:
    """Only the owner: webhooks send idp's events, and secrets, to any address."""
    return actor is None or (actor.is_owner and actor.may_use_api())


def require_manage_webhooks(actor: Operator | None) -> None:
    """Raise :class:`Forbidden` unless :func:`may_manage_webhooks` allows it."""
    if not may_manage_webhooks(actor):
        raise Forbidden("Only the owner manages webhooks and event types.")


def require_rate_limit_change(actor: Operator | None, operator: Operator) -> None:
    """Nobody but the owner sets its own rate limit; another admin may.

    Otherwise manage_users would lift its holder's own limit.
    """
    if actor is not None and actor.id == operator.id and not actor.is_owner:
        raise Forbidden("Nobody changes its own rate limit; another admin may.")


def require_ending_logins(actor: Operator | None, *, owner_affected: bool) -> None:
    """Only the owner ends the owner's logins, whatever the surface.

    Deleting a client, or rotating its secret, ends the logins made through it;
    when the owner holds one, only the owner (or the idp command) may.
    """
    if not may_change(actor, owner_affected=owner_affected):
        raise Forbidden(
            "The owner has live logins through this client; only the owner may "
            "delete it or rotate its secret."
        )


#: The rights that administer idp itself.
ADMIN_RIGHTS = ("manage_users", "manage_clients")
_REACH = {Level.NONE: 0, Level.OWN: 1, Level.ALL: 2}


def _level(profile: Profile | None, module: str, action: str) -> str:
    row = profile and next((m for m in profile.modules if m.module == module), None)
    return getattr(row, action) if row else Level.NONE


def may_grant(
    actor: Operator | None,
    rights: dict[str, bool],
    levels: dict[str, dict[str, str]],
    current: Profile | None = None,
) -> bool:
    """Whether ``actor`` may set these rights and module levels on a profile.

    Nobody gives a right it lacks, nor a level beyond its own (what ``current``
    already has may stay): otherwise manage_users would be a way to every other
    right, by a profile given to oneself.
    """
    if actor is None or actor.is_owner:
        return True
    mine = actor.profile
    if any(
        rights.get(right)
        and not getattr(mine, right)
        and not getattr(current, right, False)
        for right in ADMIN_RIGHTS
    ):
        return False
    return all(
        _REACH[level] <= _REACH[_level(mine, module, action)]
        or _REACH[level] <= _REACH[_level(current, module, action)]
        for module, wanted in levels.items()
        for action, level in wanted.items()
        if level in _REACH
    )


def holds(actor: Operator | None, profile: Profile) -> bool:
    """Whether ``actor`` holds every right and level of ``profile``.

    Needed to give the profile to an operator, or to create a credential of an
    operator who holds it: either would pass those rights on.
    """
    return may_grant(actor, *_grants_of(profile))


def _grants_of(profile: Profile) -> tuple[dict[str, bool], dict[str, dict]]:
    """The rights and module levels ``profile`` gives, as :func:`may_grant` takes."""
    rights = {right: getattr(profile, right) for right in ADMIN_RIGHTS}
    levels = {
        row.module: {action: getattr(row, action) for action in ACTIONS}
        for row in profile.modules
    }
    return rights, levels


def require_grant(
    actor: Operator | None,
    rights: dict[str, bool],
    levels: dict[str, dict[str, str]],
    current: Profile | None = None,
) -> None:
    """Raise :class:`Forbidden` unless :func:`may_grant` allows it."""
    if not may_grant(actor, rights, levels, current):
        raise Forbidden("You may not give a right or level you do not hold.")


def require_holds(actor: Operator | None, profile: Profile) -> None:
    """Raise :class:`Forbidden` unless :func:`holds` allows it."""
    require_grant(actor, *_grants_of(profile))


def require_may(
    actor: Operator | None, action: Action, kind: CredentialKind, target: Operator
) -> None:
    """Raise :class:`Forbidden` unless :func:`may` allows it."""
    if not may(actor, action, kind, target):
        refuse(action, kind)


def require_others(
    actor: Operator | None, action: Action, kind: CredentialKind
) -> None:
    """Before another operator is even looked up: only admins act on others.

    So that someone who may act only on itself cannot tell from 403 and 404
    which usernames exist.
    """
    if actor is not None and not is_admin(actor):
        refuse(action, kind)


def refuse(action: Action, kind: CredentialKind) -> None:
    """The one refusal for credentials, whether or not the target exists."""
    raise Forbidden(f"You may not {action} this operator's {kind.replace('_', ' ')}s.")
