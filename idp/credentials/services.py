"""Issue, list, revoke and resolve every credential kind. Only services commit.

Each function that acts on an operator's credentials takes the acting operator
(None for the administrator at the command line) and checks the one permission
model in idp.accounts.permissions before anything else.
"""

from __future__ import annotations

import datetime as dt
import secrets

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
from idp.errors import NotFound
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
    db.session.add(token)
    _announce(
        "credential.created", CredentialKind.PERSONAL_ACCESS_TOKEN, token.hint, operator
    )
    db.session.commit()
    return Created(token, secret)


def list_personal_access_tokens(actor: Operator | None, operator: Operator) -> Listing:
    """The operator's tokens that were not revoked, newest first."""
    require_may(actor, Action.LIST, CredentialKind.PERSONAL_ACCESS_TOKEN, operator)
    return Listing(
        select(PersonalAccessToken)
        .filter_by(operator_id=operator.id, revoked_at=None)
        .order_by(PersonalAccessToken.id.desc())
    )


def revoke_personal_access_token(
    actor: Operator | None, operator: Operator, token_id: int
) -> None:
    """Revoke one token; the next introspection says it is inactive."""
    require_may(actor, Action.REVOKE, CredentialKind.PERSONAL_ACCESS_TOKEN, operator)
    token = db.session.scalar(
        select(PersonalAccessToken).filter_by(
            id=token_id, operator_id=operator.id, revoked_at=None
        )
    )
    if token is None:
        raise NotFound(f"No token {token_id} of {operator.username!r}.")
    token.revoked_at = utcnow()
    _announce(
        "credential.revoked", CredentialKind.PERSONAL_ACCESS_TOKEN, token.hint, operator
    )
    writing.commit(writing.tag(CredentialKind.PERSONAL_ACCESS_TOKEN, token.id))


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
    db.session.add(account)
    _announce(
        "credential.created", CredentialKind.API_ACCOUNT, account.username, operator
    )
    db.session.commit()
    return Created(account, password)


def list_api_accounts(actor: Operator | None, operator: Operator) -> Listing:
    require_may(actor, Action.LIST, CredentialKind.API_ACCOUNT, operator)
    return Listing(
        select(ApiAccount)
        .filter_by(operator_id=operator.id)
        .order_by(ApiAccount.id.desc())
    )


def delete_api_account(
    actor: Operator | None, operator: Operator, username: str
) -> None:
    """Delete an account; its Basic pair stops working at once."""
    require_may(actor, Action.REVOKE, CredentialKind.API_ACCOUNT, operator)
    account = db.session.scalar(
        select(ApiAccount).filter_by(username=username, operator_id=operator.id)
    )
    if account is None:
        raise NotFound(f"No API account {username!r} of {operator.username!r}.")
    db.session.delete(account)
    _announce(
        "credential.revoked", CredentialKind.API_ACCOUNT, account.username, operator
    )
    writing.commit(writing.tag(CredentialKind.API_ACCOUNT, account.id))


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
    db.session.add(key)
    _announce("credential.created", CredentialKind.API_KEY, key.public_key, member)
    db.session.commit()
    return Created(key, private_key)


def list_api_keys(actor: Operator | None, member: Operator) -> Listing:
    require_may(actor, Action.LIST, CredentialKind.API_KEY, member)
    return Listing(
        select(ApiKey)
        .filter_by(operator_id=member.id, revoked_at=None)
        .order_by(ApiKey.id.desc())
    )


def revoke_api_key(actor: Operator | None, member: Operator, public_key: str) -> None:
    require_may(actor, Action.REVOKE, CredentialKind.API_KEY, member)
    key = db.session.scalar(
        select(ApiKey).filter_by(
            public_key=public_key, operator_id=member.id, revoked_at=None
        )
    )
    if key is None:
        raise NotFound(f"No API key {public_key!r} of {member.username!r}.")
    key.revoked_at = utcnow()
    _announce("credential.revoked", CredentialKind.API_KEY, key.public_key, member)
    writing.commit(writing.tag(CredentialKind.API_KEY, key.id))
