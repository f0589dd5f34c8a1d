"""Personal access tokens, API accounts and API keys (digests only)."""

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
    #: holder's rights rise (idp.accounts.operators.recheck_credentials).
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
    #: holder's rights rise (idp.accounts.operators.recheck_credentials).
    made_by_id: Mapped[int | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    operator: Mapped[Operator] = relationship(lazy="joined")

    def matches(self, private_key: str) -> bool:
        return self.revoked_at is None and constant_time_equals(
            self.private_key_digest, token_digest(private_key)
        )
