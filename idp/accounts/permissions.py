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

from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.errors import DomainError


class Forbidden(DomainError):
    """The actor may not do this; the message says why without naming secrets."""

    status = 403


class Action(StrEnum):
    CREATE = "create"
    LIST = "list"
    REVOKE = "revoke"


class Kind(StrEnum):
    PERSONAL_ACCESS_TOKEN = "personal_access_token"
    API_ACCOUNT = "api_account"
    API_KEY = "api_key"


def is_admin(operator: Operator) -> bool:
    """The owner holds every right; others need manage_users."""
    return operator.is_owner or operator.profile.manage_users


def may(actor: Operator | None, action: Action, kind: Kind, target: Operator) -> bool:
    """Whether ``actor`` may ``action`` a ``kind`` credential of ``target``."""
    if actor is None:
        return True  # the administrator at the command line
    if not actor.may_use_api() or actor.kind != OperatorKind.PERSON:
        # API members act only at resource servers, never on credentials.
        return False
    if actor.id == target.id:
        # Anyone manages its own tokens and accounts; keys are an admin's job.
        return kind != Kind.API_KEY or is_admin(actor)
    if not is_admin(actor):
        return False
    if action == Action.LIST:
        return True
    if target.is_owner:
        # Only the owner creates or revokes the owner's credentials.
        return False
    # A personal access token is personal: nobody makes one for someone else.
    return not (action == Action.CREATE and kind == Kind.PERSONAL_ACCESS_TOKEN)


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


#: The rights that administer idp itself.
ADMIN_RIGHTS = ("manage_users", "manage_clients")


def may_grant(actor: Operator | None, rights: dict[str, bool]) -> bool:
    """Whether ``actor`` may give these rights, to a profile or by a profile.

    Nobody gives a right it lacks: otherwise manage_users would be a way to
    manage_clients, by a profile given to oneself.
    """
    if actor is None or actor.is_owner:
        return True
    return all(
        getattr(actor.profile, right) for right in ADMIN_RIGHTS if rights.get(right)
    )


def require_grant(actor: Operator | None, rights: dict[str, bool]) -> None:
    """Raise :class:`Forbidden` unless :func:`may_grant` allows it."""
    if not may_grant(actor, rights):
        raise Forbidden("You may not give a right you do not hold.")


def require(
    actor: Operator | None, action: Action, kind: Kind, target: Operator
) -> None:
    """Raise :class:`Forbidden` unless :func:`may` allows it."""
    if not may(actor, action, kind, target):
        refuse(action, kind)


def require_others(actor: Operator | None, action: Action, kind: Kind) -> None:
    """Before another operator is even looked up: only admins act on others.

    So that someone who may act only on itself cannot tell from 403 and 404
    which usernames exist.
    """
    if actor is not None and not is_admin(actor):
        refuse(action, kind)


def refuse(action: Action, kind: Kind) -> None:
    """The one refusal for credentials, whether or not the target exists."""
    raise Forbidden(f"You may not {action} this operator's {kind.replace('_', ' ')}s.")
