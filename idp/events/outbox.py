"""The outbox: an event is written in the transaction of the change that caused it.

Contract (the delivery worker relies on it):

- :func:`emit` adds one :class:`WebhookEvent` and, for every *enabled* endpoint
  subscribed to its type (or to ``*``) at that moment, one
  :class:`WebhookDelivery` with ``status="pending"``, ``attempts=0``,
  ``next_attempt_at=now``, no lease and a unique ``message_id`` (``msg_…``,
  the ``webhook-id`` header of every attempt).
- It never commits nor flushes: the caller's commit makes the change, its event
  and its deliveries visible together, and a rollback drops all of them. So a
  committed pending delivery always has its event and its endpoint.
- Endpoints created or subscribed later do not receive events emitted before.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from idp import metrics
from idp.errors import InvalidInput
from idp.events.models import EventType
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEndpoint
from idp.events.models import WebhookEvent
from idp.events.types import BUILT_IN
from idp.extensions import db
from idp.schemas import utc_text
from idp.timeutil import utcnow

if TYPE_CHECKING:
    from idp.ratelimit.limiter import Window

log = logging.getLogger(__name__)


def new_id(prefix: str) -> str:
    """``prefix`` and 128 random bits, for event and message ids."""
    return f"{prefix}_{secrets.token_urlsafe(16)}"


def is_known(event_type: str) -> bool:
    """Built in, or declared by the deployment."""
    return event_type in BUILT_IN or (
        db.session.scalar(select(EventType.id).filter_by(name=event_type)) is not None
    )


def emit(event_type: str, data: dict[str, Any]) -> WebhookEvent:
    """Add ``event_type`` with ``data`` and its deliveries to the session; no commit."""
    if event_type not in BUILT_IN and not is_known(event_type):
        raise InvalidInput(f"Unknown event type {event_type!r}.", field="type")
    now = utcnow()
    event = WebhookEvent(id=new_id("evt"), type=event_type, data=data, created_at=now)
    db.session.add(event)
    with db.session.no_autoflush:
        # Two columns, not the rows: the secrets are not needed to subscribe.
        subscribers = [
            endpoint_id
            for endpoint_id, events in db.session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.events).filter_by(
                    enabled=True
                )
            )
            if "*" in events or event_type in events
        ]
    for endpoint_id in subscribers:
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_id=event.id,
                message_id=new_id("msg"),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    if subscribers:
        notify_workers()
    return event


def notify_workers() -> None:
    """Wake idle delivery workers when this transaction commits (PostgreSQL NOTIFY)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("NOTIFY idp_webhooks"))


def rate_limit_exceeded(username: str, window: Window) -> None:
    """rate_limit.exceeded, committed on its own, best effort.

    Called only for the hit that first crosses the limit (``window.crossed``), so
    it costs nothing on other requests; a database that refuses the write (read
    only, down) loses the event but never the introspection answer.
    """
    try:
        emit(
            "rate_limit.exceeded",
            {
                "operator": username,
                "limit": window.limit,
                "reset": utc_text(
                    datetime.datetime.fromtimestamp(window.reset, datetime.UTC).replace(
                        tzinfo=None
                    )
                ),
            },
        )
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        metrics.DATABASE_ERRORS.inc()
        log.warning("rate_limit.exceeded not recorded: %s", type(error).__name__)
