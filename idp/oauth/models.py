"""OAuth clients and the tokens issued through them (stored as digests only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.accounts.models import Operator
from idp.extensions import db
from idp.timeutil import utcnow

#: The one scope idp grants.
SCOPE = "public-api"


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
