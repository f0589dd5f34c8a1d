"""Operators: who they are, their profile, state and rate limit. Only services commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from idp import names
from idp.accounts import permissions
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.models import Profile
from idp.audit.log import record
from idp.changes import writing
from idp.created import Created
from idp.database import Listing
from idp.database import find
from idp.errors import Conflict
from idp.errors import InvalidInput
from idp.errors import found
from idp.events.outbox import emit
from idp.extensions import db
from idp.ratelimit.limiter import parse_limit
from idp.security import SecretKind
from idp.security import generate_secret
from idp.security import hash_password

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable

#: Run in the change's transaction, for an operator being deactivated and for
#: operators whose rights may have risen (a new profile, or their profile's
#: rights raised). The credential layer registers them (idp.credentials.holders):
#: accounts sit below every credential and import none.
DEACTIVATING: list[Callable[[Operator], None]] = []
RIGHTS_RAISED: list[Callable[[Iterable[Operator]], None]] = []


def get_operator(username: str) -> Operator:
    return found(find(Operator, username=username), f"No operator named {username!r}.")


def list_operators() -> Listing:
    return Listing(select(Operator).order_by(Operator.username))


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
        for hook in DEACTIVATING:
            hook(operator)
    if is_active is not None:
        operator.is_active = is_active
    if profile is not None:
        operator.profile = profile
        db.session.flush()
        rights_may_have_risen([operator])
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
    writing.commit(writing.tag("operator", operator.id))
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
    writing.commit(writing.tag("operator", operator_id))


def rights_may_have_risen(operators: Iterable[Operator]) -> None:
    """Let the credential layer end what the operators' makers could not make now."""
    operators = list(operators)
    for hook in RIGHTS_RAISED:
        hook(operators)


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


def operator_data(operator: Operator) -> dict:
    """The data of operator.created and operator.updated."""
    return {
        "username": operator.username,
        "kind": operator.kind,
        "profile": operator.profile.name,
        # None until the INSERT applies the column default, True.
        "is_active": operator.is_active is not False,
        "is_owner": operator.is_owner,
    }
