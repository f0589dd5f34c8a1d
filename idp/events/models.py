"""Webhook endpoints, the event outbox, deliveries and their attempts.

Every secret an endpoint holds (signing secrets, the Basic password, header
values) is stored encrypted (idp.events.crypto), because idp must send it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.events import crypto
from idp.extensions import db
from idp.timeutil import utcnow


class DeliveryStatus:
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class EventType(db.Model):
    """An event type the deployment declared ("task.created"); built-ins are in code."""

    __tablename__ = "event_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # As the built-in types are shown: declared data has no documented shape.
    built_in = False
    data = None


class WebhookEndpoint(db.Model):
    """A URL the owner subscribed to events, with how idp authenticates to it."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: Event type names, or ["*"] for every type.
    events: Mapped[list] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    basic_username: Mapped[str | None] = mapped_column(String(200))
    basic_password_encrypted: Mapped[str | None] = mapped_column(Text)
    #: [{"name": ..., "masked": bool, "value_encrypted": ...}]
    headers: Mapped[list] = mapped_column(JSON, default=list)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    #: The secret before the last rotation, still signing until it expires.
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[dt.datetime | None]
    #: Set by the first failure after a success; cleared by a success.
    failing_since: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def subscribes_to(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events

    # The clear values, for sending only.

    def signing_secrets(self, now: dt.datetime | None = None) -> list[str]:
        """The secrets to sign with: the current one, then the previous until it expires."""
        now = now or utcnow()
        secrets = [crypto.decrypt(self.secret_encrypted)]
        if (
            self.previous_secret_encrypted
            and self.previous_secret_expires_at
            and now < self.previous_secret_expires_at
        ):
            secrets.append(crypto.decrypt(self.previous_secret_encrypted))
        return secrets

    def basic_auth(self) -> tuple[str, str] | None:
        """(username, password) for the Authorization header, or None."""
        if self.basic_username is None:
            return None
        password = self.basic_password_encrypted
        return self.basic_username, crypto.decrypt(password) if password else ""

    def header_values(self) -> list[tuple[str, str]]:
        """Every custom header as (name, clear value)."""
        return [
            (header["name"], crypto.decrypt(header["value_encrypted"]))
            for header in self.headers
        ]


class WebhookEvent(db.Model):
    """The outbox: one row per event, written in the transaction of its change."""

    __tablename__ = "webhook_events"

    #: "evt_" and random characters: the id POST /api/v1/events answers.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class WebhookDelivery(db.Model):
    """One event to one endpoint: retried until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The worker's claim: due pending deliveries, oldest first.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    #: The `webhook-id` header, the same on every attempt ("msg_...").
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    #: A worker holds the delivery until then; past it, another may take it.
    lease_until: Mapped[dt.datetime | None]
    last_status: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    endpoint: Mapped[WebhookEndpoint] = relationship()
    event: Mapped[WebhookEvent] = relationship()


class WebhookAttempt(db.Model):
    """One try of a delivery: when, how long, and what the receiver answered."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None]
    #: The first KiB of the response body.
    response_body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
