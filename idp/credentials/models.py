"""Every credential row: personal access tokens, API accounts, API keys, OAuth clients
and the tokens issued through them (secrets stored as digests only).

They live together so that the read path (idp.credentials.read) resolves any
presented secret without importing idp.oauth, which sits above this package.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.accounts.models import Operator
from idp.extensions import db
from idp.security import constant_time_equals
from idp.security import token_digest
from idp.timeutil import utcnow

#: Prefixes of the non-secret halves of Basic pairs.
API_ACCOUNT_USERNAME = "idp_aa_"
API_PUBLIC_KEY = "idp_pk_"
#: The one scope idp grants.
SCOPE = "public-api"


class PersonalAccessToken(db.Model):
    """A bearer token an operator made for itself, with a name and maybe an expiry."""

    __tablename__ = "personal_access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The prefix and last characters, enough to recognise a token, not to use it.
    hint: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    #: When credential.expiring was emitted for it: it is sent once.
    expiring_sent_at: Mapped[dt.datetime | None]
    operator: Mapped[Operator] = relationship(lazy="joined")

    def is_active(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or now < self.expires_at
        )


class ApiAccount(db.Model):
    """A generated username and password for HTTP Basic, tied to an operator."""

    __tablename__ = "api_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The operator who made it (None: the idp command); re-checked when the
    #: holder's rights rise (idp.credentials.holders.recheck_credentials).
    made_by_id: Mapped[int | None]
    last_used_at: Mapped[dt.datetime | None]
    operator: Mapped[Operator] = relationship(lazy="joined")

    def matches(self, password: str) -> bool:
        return constant_time_equals(self.password_digest, token_digest(password))


class ApiKey(db.Model):
    """A key pair of an API member: the public key names it, the private one proves it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    private_key_digest: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The operator who made it (None: the idp command); re-checked when the
    #: holder's rights rise (idp.credentials.holders.recheck_credentials).
    made_by_id: Mapped[int | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    operator: Mapped[Operator] = relationship(lazy="joined")

    def matches(self, private_key: str) -> bool:
        return self.revoked_at is None and constant_time_equals(
            self.private_key_digest, token_digest(private_key)
        )


class OAuthClient(db.Model):
    """A registered OAuth client ("API access"): a script or a resource server."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(100), default=SCOPE)
    access_token_ttl: Mapped[int]
    refresh_token_ttl: Mapped[int]
    password_grant: Mapped[bool] = mapped_column(default=True)
    refresh_tokens: Mapped[bool] = mapped_column(default=True)
    may_introspect: Mapped[bool] = mapped_column(default=False)
    # May publish domain events (POST /api/v1/events).
    may_publish_events: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]

    # Authlib's ClientMixin interface, for the grants.

    def get_client_id(self) -> str:
        return self.client_id

    def get_allowed_scope(self, scope: str | None) -> str:
        # Scope is validated before a token is made (idp.oauth.grants);
        # omitted means the client's scope (RFC 6749 §3.3 lets us default).
        return self.scope

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # Authlib's mixin allows one method per client; every idp client may
        # use both client_secret_basic and client_secret_post.
        return method in ("client_secret_basic", "client_secret_post")

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "password":
            return self.password_grant
        if grant_type == "refresh_token":
            return self.refresh_tokens
        return False


class OAuthToken(db.Model):
    """One issuance: an access token and, maybe, its refresh token.

    Every token descends from a login; ``family_id`` names that login, so that a
    reused refresh token can revoke all of it (RFC 9700 §4.14.2).
    """

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    access_token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    access_expires_at: Mapped[dt.datetime]
    refresh_expires_at: Mapped[dt.datetime | None]
    access_revoked_at: Mapped[dt.datetime | None]
    refresh_revoked_at: Mapped[dt.datetime | None]
    # Set when the refresh token was exchanged for a new pair.
    refresh_rotated_at: Mapped[dt.datetime | None]
    # Of the access token, recorded at most once a minute (idp.credentials.usage).
    last_used_at: Mapped[dt.datetime | None]
    client: Mapped[OAuthClient] = relationship(lazy="joined")
    operator: Mapped[Operator] = relationship(lazy="joined")

    def is_access_active(self, now: dt.datetime) -> bool:
        return self.access_revoked_at is None and now < self.access_expires_at

    def is_refresh_active(self, now: dt.datetime) -> bool:
        return (
            self.refresh_token_digest is not None
            and self.refresh_revoked_at is None
            and self.refresh_rotated_at is None
            and self.refresh_expires_at is not None
            and now < self.refresh_expires_at
        )

    # Authlib's TokenMixin interface, for the refresh grant.

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.id

    def get_scope(self) -> str:
        return self.scope
