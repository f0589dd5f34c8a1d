"""The read path: any presented secret to the active credential it proves, or nothing.

Kinds are told apart by their prefixes, so a malformed value costs no lookup.
Basic pairs arrive as ``<username>:<password>`` (API accounts) or
``<public key>:<private key>`` (API keys). An active credential is remembered
(idp.changes) until a change names it, its operator, profile, client or login,
so a known credential needs no SQL. Refresh tokens, rarely introspected and
changed by every rotation, are always read from the database.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TypeVar

from cachetools import TTLCache
from sqlalchemy import select

from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.modules import declared_modules
from idp.changes import reading
from idp.changes import writing
from idp.credentials.active import ActiveCredential
from idp.credentials.models import API_ACCOUNT_USERNAME
from idp.credentials.models import API_PUBLIC_KEY
from idp.credentials.models import SCOPE
from idp.credentials.models import ApiAccount
from idp.credentials.models import ApiKey
from idp.credentials.models import OAuthToken
from idp.credentials.models import PersonalAccessToken
from idp.database import find
from idp.extensions import db
from idp.ratelimit import Window
from idp.ratelimit import limiter
from idp.security import SecretKind
from idp.security import is_well_formed
from idp.security import token_digest
from idp.timeutil import timestamp
from idp.timeutil import utcnow

T = TypeVar("T")


def counted_read(
    work: Callable[[], T], credential: Callable[[T], ActiveCredential | None]
) -> tuple[T, Window | None]:
    """Run ``work`` (which recalls and resolves) and count its credential's request.

    The count and the check that nothing ``work`` recalled has changed are one
    Redis round trip; when something has, ``work`` runs once more, now reading
    what changed from the database.
    """
    reading.begin()
    result = work()
    active = credential(result)
    window, head, reachable = _count(active)
    if reading.confirm(head, reachable=reachable):
        return result, window
    reading.begin()
    result = work()
    again = credential(result)
    if again is None or not again.counted:
        return result, None
    if window is None or (active.operator_id, active.rate_limit) != (
        again.operator_id,
        again.rate_limit,
    ):
        window, _, _ = _count(again)  # counted under the limit that holds now
    return result, window


def _count(active: ActiveCredential | None) -> tuple[Window | None, int | None, bool]:
    if active is not None and active.counted:
        return limiter().hit_and_read_head(
            active.operator_id, active.rate_limit, writing.head_key(active.operator_id)
        )
    head, reachable = reading.read_head()
    return None, head, reachable


#: Secrets no row matches, remembered briefly: a well-formed token idp never
#: issued then costs one indexed SELECT a minute per process, not one per call.
#: Safe to remember: idp generates every secret at random and inserts its row
#: before anyone holds it, so no row can appear later for a secret asked now.
#: Inactive tokens are not remembered here (an operator's api_access may return).
_unknown: TTLCache = TTLCache(maxsize=10_000, ttl=60)
_unknown_lock = threading.Lock()


class _NoRow:
    """What :func:`_lookup` answers when no row holds the secret at all."""


NO_ROW = _NoRow()


class _NoAccess:
    """What :func:`_lookup` answers for a live credential whose operator may not
    use the API now (its profile lost api_access): inactive, but not unknown."""


NO_ACCESS = _NoAccess()


def resolve(token: str) -> ActiveCredential | None:
    """The active credential ``token`` proves, of any kind, or None."""
    now = utcnow()
    digest = token_digest(token)
    key = ("credential", digest)
    active = reading.recall(key)
    if active is None:
        if digest in _unknown:
            return None
        active = _lookup(token, declared_modules(), now)
        if active is NO_ROW:
            with _unknown_lock:
                _unknown[digest] = True
            return None
        if active is None or active is NO_ACCESS:
            return None
        if active.kind != CredentialKind.OAUTH_REFRESH_TOKEN:
            reading.remember(key, active, active.tags())
    if active.exp is not None and active.exp <= timestamp(now):
        return None
    return active


def lacks_api_access(token: str) -> bool:
    """Whether ``token`` is a live credential whose operator lost api_access.

    For answers that tell "who are you" (401) from "not allowed" (403), asked
    only once :func:`resolve` found nothing active.
    """
    if token_digest(token) in _unknown:
        return False
    return _lookup(token, declared_modules(), utcnow()) is NO_ACCESS


def _lookup(
    token: str, modules: tuple[str, ...], now: dt.datetime
) -> ActiveCredential | None:
    if is_well_formed(token, SecretKind.ACCESS_TOKEN):
        return _oauth_token(token, modules, now, refresh=False)
    if is_well_formed(token, SecretKind.REFRESH_TOKEN):
        return _oauth_token(token, modules, now, refresh=True)
    if is_well_formed(token, SecretKind.PERSONAL_ACCESS_TOKEN):
        return _personal_access_token(token, modules, now)
    name, _, secret = token.partition(":")
    if name.startswith(API_ACCOUNT_USERNAME) and is_well_formed(
        secret, SecretKind.API_ACCOUNT_PASSWORD
    ):
        account = find(ApiAccount, username=name)
        return _pair(CredentialKind.API_ACCOUNT, account, secret, modules)
    if name.startswith(API_PUBLIC_KEY) and is_well_formed(
        secret, SecretKind.API_PRIVATE_KEY
    ):
        key = find(ApiKey, public_key=name)
        return _pair(CredentialKind.API_KEY, key, secret, modules)
    return None


def _oauth_token(
    token: str, modules: tuple[str, ...], now: dt.datetime, *, refresh: bool
) -> ActiveCredential | None:
    column = (
        OAuthToken.refresh_token_digest if refresh else OAuthToken.access_token_digest
    )
    row = db.session.scalar(select(OAuthToken).where(column == token_digest(token)))
    if row is None:
        return NO_ROW
    if refresh:
        if not row.is_refresh_active(now):
            return None
        kind, expires_at = CredentialKind.OAUTH_REFRESH_TOKEN, row.refresh_expires_at
    else:
        if not row.is_access_active(now):
            return None
        kind, expires_at = CredentialKind.OAUTH_ACCESS_TOKEN, row.access_expires_at
    return _allowed(
        row,
        modules,
        kind=kind,
        scope=row.scope,
        client_id=row.client.client_id,
        client_pk=row.client_id,
        family_id=row.family_id,
        iat=timestamp(row.issued_at),
        exp=timestamp(expires_at),
    )


def _personal_access_token(
    token: str, modules: tuple[str, ...], now: dt.datetime
) -> ActiveCredential | None:
    row = db.session.scalar(
        select(PersonalAccessToken).filter_by(token_digest=token_digest(token))
    )
    if row is None:
        return NO_ROW
    if not row.is_active(now):
        return None
    return _allowed(
        row,
        modules,
        kind=CredentialKind.PERSONAL_ACCESS_TOKEN,
        scope=SCOPE,
        iat=timestamp(row.created_at),
        exp=timestamp(row.expires_at) if row.expires_at else None,
    )


def _pair(
    kind: CredentialKind,
    row: ApiAccount | ApiKey | None,
    secret: str,
    modules: tuple[str, ...],
) -> ActiveCredential | None:
    """A Basic pair's credential, if the secret matches and its operator may act."""
    if row is None:
        return NO_ROW
    if not row.matches(secret):
        return None
    return _allowed(
        row,
        modules,
        kind=kind,
        scope=SCOPE,
        iat=timestamp(row.created_at),
        exp=None,
    )


def _allowed(
    row: OAuthToken | PersonalAccessToken | ApiAccount | ApiKey,
    modules: tuple[str, ...],
    **fields: object,
) -> ActiveCredential | _NoAccess:
    """The live credential ``row``, unless its operator may not use the API now."""
    if not row.operator.may_use_api():
        return NO_ACCESS
    return ActiveCredential.of(row.operator, modules, credential_id=row.id, **fields)
