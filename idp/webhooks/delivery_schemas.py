"""The delivery log as shown by the admin API and the CLI."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields

from idp.schemas import UtcDateTime
from idp.webhooks.schemas import WebhookCreatedSchema


class DeliverySchema(Schema):
    """One event sent (or being sent) to one endpoint."""

    id = fields.Integer(dump_only=True)
    event_id = fields.String(dump_only=True)
    event_type = fields.Function(lambda d: d.event.type, dump_only=True)
    webhook_id = fields.String(
        attribute="message_id",
        dump_only=True,
        metadata={"description": "The webhook-id header, the same on every attempt"},
    )
    status = fields.String(
        dump_only=True, metadata={"enum": ["pending", "delivered", "failed"]}
    )
    attempts = fields.Integer(
        dump_only=True, metadata={"description": "Attempts since it was last queued"}
    )
    last_response_status = fields.Integer(
        attribute="last_status", dump_only=True, allow_none=True
    )
    next_attempt_at = UtcDateTime(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)


class AttemptSchema(Schema):
    """One try: when, how long, and what the receiver answered."""

    at = UtcDateTime(dump_only=True)
    duration_ms = fields.Integer(dump_only=True)
    status_code = fields.Integer(dump_only=True, allow_none=True)
    response_body = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The first KiB of the answer"},
    )
    error = fields.String(dump_only=True, allow_none=True)


class DeliveryDetailSchema(DeliverySchema):
    """A delivery with its payload and every attempt, oldest first."""

    data = fields.Function(lambda d: d.event.data, dump_only=True)
    #: Set by the caller from deliveries.attempts_of(delivery).
    attempt_log = fields.List(fields.Nested(AttemptSchema), dump_only=True)


class SecretRotatedSchema(WebhookCreatedSchema):
    """The new secret, shown only here, and until when the old one also signs."""

    previous_secret_expires_at = UtcDateTime(dump_only=True)
