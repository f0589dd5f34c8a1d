"""JSON shapes of OAuth clients: what we show, accept, and answer once."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from idp import names
from idp.oauth.services import MAX_TTL
from idp.schemas import InputSchema
from idp.schemas import UtcDateTime
from idp.schemas import name_field

TTL = validate.Range(min=1, max=MAX_TTL)


class ClientSchema(Schema):
    """A registered client, never with its secret."""

    client_id = fields.String(dump_only=True)
    scope = fields.String(dump_only=True)
    access_token_ttl = fields.Integer(
        dump_only=True, metadata={"description": "seconds"}
    )
    refresh_token_ttl = fields.Integer(
        dump_only=True, metadata={"description": "seconds"}
    )
    password_grant = fields.Boolean(dump_only=True)
    refresh_tokens = fields.Boolean(dump_only=True)
    introspect = fields.Boolean(attribute="may_introspect", dump_only=True)
    publish_events = fields.Boolean(attribute="may_publish_events", dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    last_used_at = UtcDateTime(dump_only=True, allow_none=True)


class ClientUpdateSchema(InputSchema):
    """What an admin may change on a client."""

    access_token_ttl = fields.Integer(validate=TTL, metadata={"description": "seconds"})
    refresh_token_ttl = fields.Integer(
        validate=TTL, metadata={"description": "seconds"}
    )
    password_grant = fields.Boolean()
    refresh_tokens = fields.Boolean()
    introspect = fields.Boolean(data_key="introspect", attribute="may_introspect")
    publish_events = fields.Boolean(
        attribute="may_publish_events",
        metadata={"description": "may publish events (POST /api/v1/events)"},
    )


class ClientCreateSchema(ClientUpdateSchema):
    """A new client; without a secret, one is generated."""

    client_id = name_field(names.CLIENT_ID, max_length=100, example="reports")
    client_secret = fields.String(
        load_only=True, validate=validate.Length(min=1, max=500)
    )


class ClientCreatedSchema(ClientSchema):
    """The one answer that carries the secret."""

    client_secret = fields.String(dump_only=True)
