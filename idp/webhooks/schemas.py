"""JSON shapes of webhooks, event types and published events.

What we show never carries a masked header value, the Basic password or the
signing secret; only :class:`WebhookCreatedSchema` carries the secret, once.
"""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from idp.schemas import CreatedSchema
from idp.schemas import InputSchema
from idp.schemas import UtcDateTime
from idp.webhooks import endpoints

_EVENTS = fields.List(
    fields.String(validate=validate.Length(min=1, max=100)),
    validate=validate.Length(min=1, max=100),
    metadata={"description": 'event type names, or ["*"] for every type'},
)


class HeaderSchema(InputSchema):
    """A header idp sends; a masked value is write-only."""

    name = fields.String(required=True, metadata={"example": "X-Api-Key"})
    value = fields.String(
        allow_none=True,
        metadata={
            "description": "null when masked; on update, a masked header sent "
            "with a null value keeps its value"
        },
    )
    masked = fields.Boolean(load_default=False)


class BasicAuthSchema(InputSchema):
    """HTTP Basic to the receiver; the password is write-only."""

    username = fields.String(required=True, validate=validate.Length(max=200))
    password = fields.String(
        load_only=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "write-only; on update, omitted keeps it"},
    )
    password_set = fields.Boolean(dump_only=True)


class WebhookSchema(Schema):
    """An endpoint as shown: never a masked value, the password or the secret."""

    id = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    events = fields.List(fields.String(), dump_only=True)
    enabled = fields.Boolean(dump_only=True)
    disabled_reason = fields.String(dump_only=True, allow_none=True)
    basic_auth = fields.Function(
        endpoints.public_basic_auth,
        dump_only=True,
        allow_none=True,
        metadata={"example": {"username": "idp", "password_set": True}},
    )
    headers = fields.Function(
        endpoints.public_headers,
        dump_only=True,
        metadata={
            "example": [
                {"name": "X-Tenant", "value": "acme", "masked": False},
                {"name": "X-Api-Key", "value": None, "masked": True},
            ]
        },
    )
    failing_since = UtcDateTime(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)


class WebhookCreatedSchema(CreatedSchema, WebhookSchema):
    """The one answer that carries the signing secret."""

    SECRET_FIELD = "secret"

    secret = fields.String(
        dump_only=True, metadata={"description": "whsec_…, shown only here"}
    )


class WebhookUpdateSchema(InputSchema):
    url = fields.String(validate=validate.Length(min=1, max=endpoints.MAX_URL))
    description = fields.String(validate=validate.Length(max=500))
    events = _EVENTS
    enabled = fields.Boolean()
    basic_auth = fields.Nested(BasicAuthSchema, allow_none=True)
    headers = fields.List(fields.Nested(HeaderSchema))


class WebhookCreateSchema(WebhookUpdateSchema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=endpoints.MAX_URL),
        metadata={"example": "https://hooks.example.com/idp"},
    )
    events = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"example": ["credential.revoked", "task.created"]},
    )


class EventTypeSchema(Schema):
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    built_in = fields.Boolean(dump_only=True)
    data = fields.Dict(
        dump_only=True,
        allow_none=True,
        metadata={"description": "the members of `data` (built-in types)"},
    )


class EventTypeCreateSchema(InputSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"example": "task.created"},
    )
    description = fields.String(load_default="", validate=validate.Length(max=500))


class EventPublishSchema(InputSchema):
    type = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"example": "task.created"},
    )
    data = fields.Dict(
        keys=fields.String(), required=True, metadata={"example": {"task_id": 42}}
    )


class EventPublishedSchema(Schema):
    id = fields.String(dump_only=True, metadata={"example": "evt_2Zk…"})
    type = fields.String(dump_only=True)
