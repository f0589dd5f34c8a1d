"""Delete what can never be active again, once a retention period has passed.

A token row is dead when its access token and its refresh token (if any) are both
expired or revoked; personal access tokens and API keys when expired or revoked;
change-log rows when old (a process that had not read them forgets everything it
remembers, see idp.changes). Keeping dead rows for ``PURGE_RETENTION_SECONDS``
first leaves audits and reuse detection their window; after it, the tables and
their indexes stop growing with traffic. Audit records have their own, longer,
retention (``AUDIT_RETENTION``).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete
from sqlalchemy import or_

from idp.audit.models import AuditRecord
from idp.changes.writing import Change
from idp.credentials.models import ApiKey
from idp.credentials.models import OAuthToken
from idp.credentials.models import PersonalAccessToken
from idp.extensions import db
from idp.timeutil import parse_duration
from idp.timeutil import utcnow


def purge(retention_seconds: int) -> dict[str, int]:
    """Delete rows dead for longer than ``retention_seconds``; counts by table."""
    cutoff = utcnow() - dt.timedelta(seconds=retention_seconds)
    statements = {
        "oauth_tokens": delete(OAuthToken).where(
            or_(
                OAuthToken.access_expires_at < cutoff,
                OAuthToken.access_revoked_at < cutoff,
            ),
            or_(
                OAuthToken.refresh_token_digest.is_(None),
                OAuthToken.refresh_expires_at < cutoff,
                OAuthToken.refresh_revoked_at < cutoff,
            ),
        ),
        "personal_access_tokens": delete(PersonalAccessToken).where(
            or_(
                PersonalAccessToken.expires_at < cutoff,
                PersonalAccessToken.revoked_at < cutoff,
            )
        ),
        "api_keys": delete(ApiKey).where(ApiKey.revoked_at < cutoff),
        "changes": delete(Change).where(Change.at < cutoff),
        "audit_records": delete(AuditRecord).where(
            AuditRecord.at
            < utcnow()
            - dt.timedelta(
                seconds=parse_duration(current_app.config["AUDIT_RETENTION"])
            )
        ),
    }
    counts = {
        table: db.session.execute(
            statement.execution_options(synchronize_session=False)
        ).rowcount
        for table, statement in statements.items()
    }
    db.session.commit()
    return counts
