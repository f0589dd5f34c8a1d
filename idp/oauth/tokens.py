"""Rules for issued tokens: store, rotate with reuse detection, find, revoke.

Only services commit.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from idp import metrics
from idp.accounts.models import Operator
from idp.audit.log import record
from idp.changes import writing
from idp.credentials.models import OAuthClient
from idp.credentials.models import OAuthToken
from idp.events.outbox import emit
from idp.events.types import credential_data
from idp.extensions import db
from idp.security import SecretKind
from idp.security import is_well_formed
from idp.security import token_digest
from idp.timeutil import utcnow


class RefreshTokenReused(Exception):
    """A rotated refresh token came back (its family may have been revoked)."""

    def __init__(self) -> None:
        super().__init__("refresh token reused")


class RotationLost(Exception):
    """Another request rotated the same refresh token first."""


def store_tokens(
    token: dict, client: OAuthClient, operator: Operator, family_id: str | None
) -> OAuthToken:
    """Record an issued token response by digests; the caller commits."""
    now = utcnow()
    refresh_token = token.get("refresh_token")
    row = OAuthToken(
        client_id=client.id,
        operator_id=operator.id,
        family_id=family_id or str(uuid.uuid4()),
        access_token_digest=token_digest(token["access_token"]),
        refresh_token_digest=token_digest(refresh_token) if refresh_token else None,
        scope=token["scope"],
        issued_at=now,
        access_expires_at=now + dt.timedelta(seconds=token["expires_in"]),
        refresh_expires_at=(
            now + dt.timedelta(seconds=client.refresh_token_ttl)
            if refresh_token
            else None
        ),
    )
    db.session.add(row)
    client.last_used_at = now
    db.session.flush()
    return row


def issue_tokens(token: dict, client: OAuthClient, operator: Operator) -> OAuthToken:
    """Record a password grant's tokens as a new family, and commit."""
    row = store_tokens(token, client, operator, None)
    db.session.commit()
    return row


def verify_refresh_token(refresh_token: str) -> OAuthToken | None:
    """The row of an active refresh token; None if unknown, revoked or expired.

    A token already rotated raises :class:`RefreshTokenReused`: inside the grace
    window it only refuses (a client racing itself); after it, verifying revokes
    the whole family and commits (RFC 9700 §4.14.2), as verifying a password
    counts the failure. Rotating is :func:`claim_rotation`'s, once the new tokens
    are stored.
    """
    if not is_well_formed(refresh_token, SecretKind.REFRESH_TOKEN):
        return None
    row = db.session.scalar(
        select(OAuthToken).filter_by(refresh_token_digest=token_digest(refresh_token))
    )
    if row is None or row.refresh_revoked_at is not None:
        return None
    now = utcnow()
    if row.refresh_rotated_at is not None:
        grace = dt.timedelta(seconds=_grace_seconds())
        if now - row.refresh_rotated_at <= grace:
            raise RefreshTokenReused
        revoke_family(row.family_id, reused=True)
        raise RefreshTokenReused
    if not row.is_refresh_active(now):
        return None
    return row


def claim_rotation(row: OAuthToken) -> None:
    """Mark ``row``'s refresh token rotated and commit, unless another request did.

    One conditional UPDATE decides the winner on every backend, so two
    concurrent refreshes cannot both succeed; the loser's new tokens are rolled
    back and it gets :class:`RotationLost`.
    """
    try:
        changed = db.session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.id == row.id,
                OAuthToken.refresh_rotated_at.is_(None),
                OAuthToken.refresh_revoked_at.is_(None),
            )
            .values(refresh_rotated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    except OperationalError:
        # SQLite refuses a second writer instead of waiting: the same race.
        changed = 0
    if changed != 1:
        db.session.rollback()
        raise RotationLost()
    db.session.commit()


def revoke_family(family_id: str, *, reused: bool = False) -> None:
    """Revoke every access and refresh token descending from one login.

    Repeated until a pass finds nothing left: a refresh of this family that
    commits while a pass waits on its lock adds a row the pass cannot see
    (PostgreSQL's READ COMMITTED), and the next pass revokes it.
    """
    now = utcnow()
    revoke = (
        update(OAuthToken)
        .where(
            OAuthToken.family_id == family_id,
            or_(
                OAuthToken.access_revoked_at.is_(None),
                OAuthToken.refresh_revoked_at.is_(None),
            ),
        )
        .values(
            access_revoked_at=func.coalesce(OAuthToken.access_revoked_at, now),
            refresh_revoked_at=func.coalesce(OAuthToken.refresh_revoked_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    events = True
    while db.session.execute(revoke).rowcount:
        if events:
            _family_revoked(family_id, reused)
            events = False
        writing.commit(writing.tag("family", family_id))
    db.session.commit()


def _family_revoked(family_id: str, reused: bool) -> None:
    """The events of a login revoked: once, with the pass that revokes it."""
    row = db.session.scalar(select(OAuthToken).filter_by(family_id=family_id).limit(1))
    data = credential_data("oauth_login", family_id, row.operator.username)
    emit("credential.revoked", data)
    record("credential.revoked", f"oauth_login:{family_id}", before=data)
    if reused:
        metrics.REFRESH_REUSE.inc()
        record("refresh_token.reused", f"oauth_login:{family_id}", before=data)
        emit(
            "refresh_token.reused",
            {
                "client_id": row.client.client_id,
                "operator": row.operator.username,
                "family_id": family_id,
            },
        )


def find_token(token: str) -> tuple[str, OAuthToken] | None:
    """("access_token" | "refresh_token", row) for a token idp issued, active or not."""
    for kind, column in (
        (SecretKind.ACCESS_TOKEN, OAuthToken.access_token_digest),
        (SecretKind.REFRESH_TOKEN, OAuthToken.refresh_token_digest),
    ):
        if is_well_formed(token, kind):
            row = db.session.scalar(
                select(OAuthToken).where(column == token_digest(token))
            )
            if row is None:
                return None
            return (
                "access_token" if kind == SecretKind.ACCESS_TOKEN else "refresh_token"
            ), row
    return None


def revoke_token(kind: str, row: OAuthToken) -> None:
    """RFC 7009: an access token alone, or a refresh token with its whole family.

    Revoking a refresh token revokes the login it belongs to: every access token
    obtained through it, as §2.1 allows and as users expect of "log out".
    """
    if kind == "refresh_token":
        revoke_family(row.family_id)
        return
    if row.access_revoked_at is None:
        row.access_revoked_at = utcnow()
        record(
            "access_token.revoked",
            f"oauth_login:{row.family_id}",
            before=credential_data("oauth_login", row.family_id, row.operator.username),
        )
        writing.commit(writing.tag("oauth_access_token", row.id))


def _grace_seconds() -> int:
    return int(current_app.config["REFRESH_GRACE_SECONDS"])
