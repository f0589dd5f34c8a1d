"""Record when a credential was last used, without a database write per request.

Each process writes ``last_used_at`` at most once a ``PERIOD`` per credential,
remembering locally when it last did: no Redis round trip on the hot path, at most
one UPDATE a minute per credential and process, and listings at most a minute
stale.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from idp import metrics
from idp.accounts.credential_kinds import CredentialKind
from idp.credentials.active import ActiveCredential
from idp.credentials.models import ApiAccount
from idp.credentials.models import ApiKey
from idp.credentials.models import OAuthClient
from idp.credentials.models import OAuthToken
from idp.credentials.models import PersonalAccessToken
from idp.extensions import db
from idp.logs import OncePerInterval
from idp.timeutil import utcnow

#: Seconds between two recorded uses of one credential.
PERIOD = 60
_skipped = OncePerInterval(logging.getLogger(__name__), interval=60)

_MODELS = {
    CredentialKind.OAUTH_ACCESS_TOKEN: OAuthToken,
    CredentialKind.PERSONAL_ACCESS_TOKEN: PersonalAccessToken,
    CredentialKind.API_ACCOUNT: ApiAccount,
    CredentialKind.API_KEY: ApiKey,
}


def record_use(credential: ActiveCredential) -> None:
    """Note that ``credential`` was used now, at most once per ``PERIOD``."""
    _record(_MODELS[credential.kind], credential.credential_id, str(credential.kind))


def record_client_use(client_id: int) -> None:
    """Note that a client authenticated now (a resource server introspecting)."""
    _record(OAuthClient, client_id, "client")


_lock = threading.Lock()


def _record(model: type[db.Model], row_id: int, kind: str) -> None:
    """Best-effort: a database that refuses the write (read-only, full) must not
    fail the introspection that only wanted to note it."""
    with _lock:
        recorded = current_app.extensions.setdefault(
            "idp.recorded_uses", TTLCache(maxsize=100_000, ttl=PERIOD)
        )
        if (kind, row_id) in recorded:
            return
        recorded[(kind, row_id)] = True
    try:
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(last_used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        metrics.DATABASE_ERRORS.inc()
        _skipped.warning(f"last use not recorded: {type(error.orig).__name__}")


def last_activity(operator_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each operator last used a credential or was issued an OAuth token.

    The users listing's "last activity": as stale as ``last_used_at`` (a minute),
    and absent for an operator that never did either.
    """
    ids = list(operator_ids)
    if not ids:
        return {}
    parts = [
        select(model.operator_id.label("who"), model.last_used_at.label("at")).where(
            model.operator_id.in_(ids)
        )
        for model in (PersonalAccessToken, ApiAccount, ApiKey, OAuthToken)
    ]
    parts.append(
        select(OAuthToken.operator_id, OAuthToken.issued_at).where(
            OAuthToken.operator_id.in_(ids)
        )
    )
    each = union_all(*parts).subquery()
    rows = db.session.execute(
        select(each.c.who, func.max(each.c.at)).group_by(each.c.who)
    )
    return {who: at for who, at in rows if at is not None}
