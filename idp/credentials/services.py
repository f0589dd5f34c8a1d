"""Issue, list, revoke and resolve every credential kind. Only services commit.

Each function that acts on an operator's credentials takes the acting operator
(None for the administrator at the command line) and checks the one permission
model in idp.accounts.permissions before anything else.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TypeVar

from sqlalchemy import select

from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.permissions import Action
from idp.accounts.permissions import require_may
from idp.audit.log import record
from idp.changes import writing
from idp.created import Created
from idp.credentials.models import API_ACCOUNT_USERNAME
from idp.credentials.models import API_PUBLIC_KEY
from idp.credentials.models import ApiAccount
from idp.credentials.models import ApiKey
from idp.credentials.models import PersonalAccessToken
from idp.database import Listing
from idp.errors import InvalidInput
from idp.errors import found
from idp.events.outbox import emit
from idp.events.types import credential_data as _data
from idp.extensions import db
from idp.security import SecretKind
from idp.security import generate_secret
from idp.security import token_digest
from idp.timeutil import utcnow


def _announce(
    event: str, kind: CredentialKind, identifier: str, operator: Operator
) -> None:
    """A credential change's webhook event and audit record, in its transaction."""
    data = _data(kind, identifier, operator.username)
    emit(event, data)
    side = "after" if event == "credential.created" else "before"
    record(event, f"{kind}:{identifier}", **{side: data})


Credential = TypeVar("Credential", PersonalAccessToken, ApiAccount, ApiKey)


def _keep(
    kind: CredentialKind, row: Credential, identifier: str, secret: str
) -> Created:
    """Store a new credential and announce it: the row and its secret, shown once."""
    db.session.add(row)
    _announce("credential.created", kind, identifier, row.operator)
    db.session.commit()
    return Created(row, secret)


def _listing(model: type[Credential], operator: Operator, **where: object) -> Listing:
    """The operator's credentials of one kind, newest first."""
    return Listing(
        select(model)
        .filter_by(operator_id=operator.id, **where)
        .order_by(model.id.desc())
    )


def _one(
    model: type[Credential], operator: Operator, missing: str, **where: object
) -> Credential:
    """The operator's one credential matching ``where``; NotFound says ``missing``."""
    return found(
        db.session.scalar(select(model).filter_by(operator_id=operator.id, **where)),
        missing,
    )


def _gone(
    kind: CredentialKind, row: Credential, identifier: str, operator: Operator
) -> None:
    """Announce a revoked or deleted credential and commit, tagging the change."""
    _announce("credential.revoked", kind, identifier, operator)
    writing.commit(writing.tag(kind, row.id))


# -- personal access tokens --------------------------------------------------


def issue_personal_access_token(
    actor: Operator | None,
    operator: Operator,
    *,
    name: str,
    expires_in: int | None = None,
) -> Created:
    """A new token for ``operator`` and its secret, to be shown once."""
    require_may(actor, Action.CREATE, CredentialKind.PERSONAL_ACCESS_TOKEN, operator)
    if operator.kind != OperatorKind.PERSON:
        raise InvalidInput("An API member authenticates with API keys, not tokens.")
    name = name.strip()
    if not name:
        raise InvalidInput("A token needs a name.", field="name")
    if len(name) > 100:
        raise InvalidInput("A token name has at most 100 characters.", field="name")
    if expires_in is not None and expires_in <= 0:
        raise InvalidInput("The expiry must be in the future.", field="expires_in")
    secret = generate_secret(SecretKind.PERSONAL_ACCESS_TOKEN)
    now = utcnow()
    token = PersonalAccessToken(
        operator=operator,
        name=name,
        token_digest=token_digest(secret),
        hint=f"{secret[:12]}...{secret[-4:]}",
        created_at=now,
        expires_at=now + dt.timedelta(seconds=expires_in) if expires_in else None,
    )
    return _keep(CredentialKind.PERSONAL_ACCESS_TOKEN, token, token.hint, secret)


def list_personal_access_tokens(actor: Operator | None, operator: Operator) -> Listing:
    """The operator's tokens that were not revoked, newest first."""
    require_may(actor, Action.LIST, CredentialKind.PERSONAL_ACCESS_TOKEN, operator)
    return _listing(PersonalAccessToken, operator, revoked_at=None)


def revoke_personal_access_token(
    actor: Operator | None, operator: Operator, token_id: int
) -> None:
    """Revoke one token; the next introspection says it is inactive."""
    require_may(actor, Action.REVOKE, CredentialKind.PERSONAL_ACCESS_TOKEN, operator)
    token = _one(
        PersonalAccessToken,
        operator,
        f"No token {token_id} of {operator.username!r}.",
        id=token_id,
        revoked_at=None,
    )
    token.revoked_at = utcnow()
    _gone(CredentialKind.PERSONAL_ACCESS_TOKEN, token, token.hint, operator)


# -- API accounts ------------------------------------------------------------


def create_api_account(actor: Operator | None, operator: Operator) -> Created:
    """A generated username and password for HTTP Basic; the password is shown once.

    The password is 256 random bits, so a SHA-256 digest stores it safely and keeps
    verification fast on the introspection path.
    """
    require_may(actor, Action.CREATE, CredentialKind.API_ACCOUNT, operator)
    if operator.kind != OperatorKind.PERSON:
        raise InvalidInput("An API member authenticates with API keys.")
    password = generate_secret(SecretKind.API_ACCOUNT_PASSWORD)
    account = ApiAccount(
        operator=operator,
        username=API_ACCOUNT_USERNAME + secrets.token_hex(8),
        password_digest=token_digest(password),
        made_by_id=actor and actor.id,
    )
    return _keep(CredentialKind.API_ACCOUNT, account, account.username, password)


def list_api_accounts(actor: Operator | None, operator: Operator) -> Listing:
    require_may(actor, Action.LIST, CredentialKind.API_ACCOUNT, operator)
    return _listing(ApiAccount, operator)


def delete_api_account(
    actor: Operator | None, operator: Operator, username: str
) -> None:
    """Delete an account; its Basic pair stops working at once."""
    require_may(actor, Action.REVOKE, CredentialKind.API_ACCOUNT, operator)
    account = _one(
        ApiAccount,
        operator,
        f"No API account {username!r} of {operator.username!r}.",
        username=username,
    )
    db.session.delete(account)
    _gone(CredentialKind.API_ACCOUNT, account, account.username, operator)


# -- API keys ----------------------------------------------------------------


def create_api_key(
    actor: Operator | None, member: Operator, *, description: str = ""
) -> Created:
    """A key pair for an API member; the private key is shown once."""
    require_may(actor, Action.CREATE, CredentialKind.API_KEY, member)
    if member.kind != OperatorKind.API_MEMBER:
        raise InvalidInput("API keys belong to API members; people use tokens.")
    if len(description.strip()) > 200:
        raise InvalidInput(
            "A key description has at most 200 characters.", field="description"
        )
    private_key = generate_secret(SecretKind.API_PRIVATE_KEY)
    key = ApiKey(
        operator=member,
        public_key=API_PUBLIC_KEY + secrets.token_hex(12),
        private_key_digest=token_digest(private_key),
        description=description.strip(),
        made_by_id=actor and actor.id,
    )
    return _keep(CredentialKind.API_KEY, key, key.public_key, private_key)


def list_api_keys(actor: Operator | None, member: Operator) -> Listing:
    require_may(actor, Action.LIST, CredentialKind.API_KEY, member)
    return _listing(ApiKey, member, revoked_at=None)


def revoke_api_key(actor: Operator | None, member: Operator, public_key: str) -> None:
    require_may(actor, Action.REVOKE, CredentialKind.API_KEY, member)
    key = _one(
        ApiKey,
        member,
        f"No API key {public_key!r} of {member.username!r}.",
        public_key=public_key,
        revoked_at=None,
    )
    key.revoked_at = utcnow()
    _gone(CredentialKind.API_KEY, key, key.public_key, member)
