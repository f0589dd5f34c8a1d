"""Record when a credential was last used, without a database write per request.

Each process writes ``last_used_at`` at most once a ``PERIOD`` per credential,
remembering locally when it last did: no Redis round trip on the hot path, at most
one UPDATE a minute per credential and process, and listings at most a minute
stale.
"""

from __future__ import annotations

import logging
import threading

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from idp.credentials.active import ActiveCredential
from idp.credentials.active import CredentialKind
from idp.credentials.models import ApiAccount
from idp.credentials.models import ApiKey
from idp.credentials.models import PersonalAccessToken
from idp.extensions import db
from idp.logs import OncePerInterval
from idp.oauth.models import OAuthClient
from idp.oauth.models import OAuthToken
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


def _record(model, row_id: int, kind: str) -> None:
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
        _skipped.warning(f"last use not recorded: {type(error.orig).__name__}")
