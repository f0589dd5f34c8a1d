"""JSON shapes of OAuth clients (what we show, accept, and answer once) and of
the introspection answer."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
from marshmallow import fields
from marshmallow import post_dump
from marshmallow import validate

from idp import names
from idp.accounts.credential_kinds import CredentialKind
from idp.credentials.active import BEARER_KINDS
from idp.oauth.metadata import issuer
from idp.schemas import CreatedSchema
from idp.schemas import InputSchema
from idp.schemas import UtcDateTime
from idp.schemas import name_field
from idp.timeutil import MAX_TTL

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


class ClientCreatedSchema(CreatedSchema, ClientSchema):
    """The one answer that carries the secret."""

    SECRET_FIELD = "client_secret"

    client_secret = fields.String(dump_only=True)


class RateLimitWindowSchema(Schema):
    """The caller's rate-limit window after this request was counted."""

    limit = fields.Integer()
    remaining = fields.Integer()
    reset = fields.Integer(metadata={"description": "Unix time the window ends"})
    exceeded = fields.Boolean()


class IntrospectionSchema(Schema):
    """RFC 7662 §2.2: an active credential's members, plus idp's own.

    Dumped from an :class:`~idp.credentials.active.ActiveCredential`. An unknown,
    expired or revoked credential is ``{"active": false}`` and nothing more, and
    a member with no value (``exp`` of a credential that never expires) is left
    out rather than sent as null.
    """

    active = fields.Boolean(required=True, dump_default=True)
    credential = fields.Enum(
        CredentialKind, by_value=True, attribute="kind", metadata={"type": "string"}
    )
    token_type = fields.Function(
        lambda active: "Bearer" if active.kind in BEARER_KINDS else None,
        metadata={"type": "string", "example": "Bearer"},
    )
    scope = fields.String()
    client_id = fields.String()
    username = fields.String()
    sub = fields.String(attribute="operator_id")
    exp = fields.Integer()
    iat = fields.Integer()
    iss = fields.Function(lambda active: issuer(), metadata={"type": "string"})
    permissions = fields.Dict(
        metadata={"description": "the operator's rights and module levels"}
    )
    rate_limit = fields.Nested(
        RateLimitWindowSchema,
        metadata={"description": "present when this answer was counted"},
    )

    @post_dump
    def _leave_out_nulls(self, data: dict, **kwargs: Any) -> dict:
        return {key: value for key, value in data.items() if value is not None}
