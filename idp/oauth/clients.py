"""Rules for OAuth clients: register, change, rotate the secret, delete.

Only services commit.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy import select

from idp import names
from idp.accounts import permissions
from idp.accounts.models import Operator
from idp.audit.log import record
from idp.changes import writing
from idp.created import Created
from idp.credentials.models import OAuthClient
from idp.credentials.models import OAuthToken
from idp.database import Listing
from idp.database import find
from idp.errors import Conflict
from idp.errors import InvalidInput
from idp.errors import found
from idp.events.outbox import emit
from idp.extensions import db
from idp.security import SecretKind
from idp.security import generate_secret
from idp.security import hash_password
from idp.timeutil import MAX_TTL
from idp.timeutil import utcnow


def get_client(client_id: str) -> OAuthClient:
    return found(find(OAuthClient, client_id=client_id), f"No client {client_id!r}.")


def list_clients() -> Listing:
    return Listing(select(OAuthClient).order_by(OAuthClient.client_id))


def register_client(
    client_id: str,
    *,
    secret: str | None = None,
    access_token_ttl: int,
    refresh_token_ttl: int,
    password_grant: bool | None = None,
    refresh_tokens: bool = True,
    may_introspect: bool = False,
    may_publish_events: bool = False,
) -> Created:
    """A new client and its secret in clear, to be shown once.

    A resource server (``may_introspect``) gets the password grant only when
    asked: it checks tokens, it does not log people in.

    An admin-chosen secret may be weak, so every secret is hashed with argon2id.
    """
    client_id = names.CLIENT_ID.check(
        client_id, what="A client ID", field="client_id", max_length=100
    )
    if secret is not None and not secret.strip():
        raise InvalidInput("The client secret is empty.", field="client_secret")
    if secret is not None and ("+" in secret or "%" in secret):
        # RFC 6749 §2.3.1 form-encodes the secret inside Basic, but curl -u,
        # requests and Authlib's client send it as it is: without these two,
        # both readings agree.
        raise InvalidInput(
            "A client secret cannot hold '+' or '%'; omit it to have one generated.",
            field="client_secret",
        )
    _check_ttl(access_token_ttl, refresh_token_ttl)
    if db.session.scalar(select(OAuthClient.id).filter_by(client_id=client_id)):
        raise Conflict(f"A client {client_id!r} already exists.")
    secret = secret or generate_secret(SecretKind.CLIENT_SECRET)
    client = OAuthClient(
        client_id=client_id,
        secret_hash=hash_password(secret),
        access_token_ttl=access_token_ttl,
        refresh_token_ttl=refresh_token_ttl,
        password_grant=not may_introspect if password_grant is None else password_grant,
        refresh_tokens=refresh_tokens,
        may_introspect=may_introspect,
        may_publish_events=may_publish_events,
    )
    db.session.add(client)
    emit("client.created", client_data(client))
    record("client.created", f"client:{client_id}", after=client_data(client))
    db.session.commit()
    return Created(client, secret)


def update_client(
    client: OAuthClient,
    *,
    access_token_ttl: int | None = None,
    refresh_token_ttl: int | None = None,
    password_grant: bool | None = None,
    refresh_tokens: bool | None = None,
    may_introspect: bool | None = None,
    may_publish_events: bool | None = None,
) -> OAuthClient:
    """Change lifetimes or grant toggles; new lifetimes apply to new tokens."""
    _check_ttl(
        access_token_ttl or client.access_token_ttl,
        refresh_token_ttl or client.refresh_token_ttl,
    )
    fields = {
        "access_token_ttl": access_token_ttl,
        "refresh_token_ttl": refresh_token_ttl,
        "password_grant": password_grant,
        "refresh_tokens": refresh_tokens,
        "may_introspect": may_introspect,
        "may_publish_events": may_publish_events,
    }
    before = client_data(client)
    for field, value in fields.items():
        if value is not None:
            setattr(client, field, value)
    emit("client.updated", client_data(client))
    record(
        "client.updated",
        f"client:{client.client_id}",
        before=before,
        after=client_data(client),
    )
    writing.commit(writing.tag("client", client.id))
    return client


def rotate_client_secret(client: OAuthClient, actor: Operator | None = None) -> str:
    """A new generated secret; the old one stops working at once."""
    permissions.require_ending_logins(
        actor, owner_affected=_owner_logged_in_through(client)
    )
    secret = generate_secret(SecretKind.CLIENT_SECRET)
    client.secret_hash = hash_password(secret)
    emit("client.secret_rotated", {"client_id": client.client_id})
    record("client.secret_rotated", f"client:{client.client_id}")
    writing.commit(writing.tag("client", client.id))
    return secret


def delete_client(client: OAuthClient, actor: Operator | None = None) -> None:
    """Delete a client and every token issued through it."""
    permissions.require_ending_logins(
        actor, owner_affected=_owner_logged_in_through(client)
    )
    db.session.execute(
        OAuthToken.__table__.delete().where(OAuthToken.client_id == client.id)
    )
    before = client_data(client)
    db.session.delete(client)
    emit("client.deleted", {"client_id": client.client_id})
    record("client.deleted", f"client:{client.client_id}", before=before)
    writing.commit(writing.tag("client", client.id))


def _owner_logged_in_through(client: OAuthClient) -> bool:
    """Whether the owner holds a token through ``client`` that still works."""
    now = utcnow()
    live = or_(
        (OAuthToken.access_revoked_at.is_(None)) & (OAuthToken.access_expires_at > now),
        (OAuthToken.refresh_revoked_at.is_(None))
        & (OAuthToken.refresh_expires_at > now),
    )
    return bool(
        db.session.scalar(
            select(OAuthToken.id)
            .join(Operator, Operator.id == OAuthToken.operator_id)
            .where(OAuthToken.client_id == client.id, Operator.is_owner, live)
            .limit(1)
        )
    )


def _check_ttl(access_token_ttl: int, refresh_token_ttl: int) -> None:
    for ttl in (access_token_ttl, refresh_token_ttl):
        if not 0 < ttl <= MAX_TTL:
            raise InvalidInput(
                "Token lifetimes must be between 1 second and 3650 days."
            )


def client_data(client: OAuthClient) -> dict:
    """The data of client.created and client.updated."""
    return {
        "client_id": client.client_id,
        "password_grant": client.password_grant,
        "refresh_tokens": client.refresh_tokens,
        "introspect": client.may_introspect,
        "publish_events": client.may_publish_events,
        "access_token_ttl": client.access_token_ttl,
        "refresh_token_ttl": client.refresh_token_ttl,
    }
