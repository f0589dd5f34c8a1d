"""What the worker does once a minute: prune old deliveries, warn of expiring tokens."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy import update

from idp.credentials.models import PersonalAccessToken
from idp.events.models import DeliveryStatus
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEvent
from idp.events.outbox import emit
from idp.extensions import db
from idp.schemas import utc_text
from idp.timeutil import parse_duration
from idp.timeutil import utcnow


def run() -> None:
    prune()
    warn_expiring()


def prune(now: dt.datetime | None = None) -> int:
    """Delete finished deliveries (their attempts with them) and events past retention."""
    cutoff = (now or utcnow()) - dt.timedelta(
        seconds=parse_duration(current_app.config["WEBHOOK_RETENTION"])
    )
    deleted = db.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.created_at < cutoff,
            WebhookDelivery.status != DeliveryStatus.PENDING,
        )
    ).rowcount
    db.session.execute(
        delete(WebhookEvent).where(
            WebhookEvent.created_at < cutoff,
            ~exists().where(WebhookDelivery.event_id == WebhookEvent.id),
        )
    )
    db.session.commit()
    return deleted


def warn_expiring(now: dt.datetime | None = None) -> int:
    """Emit credential.expiring once per personal access token about to expire.

    Marking the token and emitting share one transaction, and the mark is a
    conditional UPDATE: two workers scanning at once send it once.
    """
    now = now or utcnow()
    horizon = now + dt.timedelta(days=current_app.config["WEBHOOK_EXPIRING_DAYS"])
    tokens = db.session.scalars(
        select(PersonalAccessToken).where(
            PersonalAccessToken.revoked_at.is_(None),
            PersonalAccessToken.expiring_sent_at.is_(None),
            PersonalAccessToken.expires_at > now,
            PersonalAccessToken.expires_at <= horizon,
        )
    ).all()
    sent = 0
    for token in tokens:
        marked = db.session.execute(
            update(PersonalAccessToken)
            .where(
                PersonalAccessToken.id == token.id,
                PersonalAccessToken.expiring_sent_at.is_(None),
            )
            .values(expiring_sent_at=now)
        ).rowcount
        if marked:
            emit(
                "credential.expiring",
                {
                    "kind": "personal_access_token",
                    "id": token.hint,
                    "operator": token.operator.username,
                    "expires_at": utc_text(token.expires_at),
                },
            )
            sent += 1
        db.session.commit()
    db.session.rollback()  # end the read when there was nothing to send
    return sent
