"""JSON shapes of personal access tokens, API accounts and API keys."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from idp.schemas import CreatedSchema
from idp.schemas import InputSchema
from idp.schemas import UtcDateTime
from idp.timeutil import MAX_TTL


class PersonalAccessTokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    hint = fields.String(
        dump_only=True, metadata={"description": "prefix and last characters"}
    )
    created_at = UtcDateTime(dump_only=True)
    expires_at = UtcDateTime(dump_only=True, allow_none=True)
    last_used_at = UtcDateTime(
        dump_only=True, allow_none=True, metadata={"description": "null: never used"}
    )


class PersonalAccessTokenCreateSchema(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expires_in = fields.Integer(
        validate=validate.Range(min=1, max=MAX_TTL),
        metadata={"description": "seconds; omit for no expiry"},
    )


class PersonalAccessTokenCreatedSchema(CreatedSchema, PersonalAccessTokenSchema):
    """The one answer that carries the token."""

    SECRET_FIELD = "token"

    token = fields.String(dump_only=True)


class ApiAccountSchema(Schema):
    username = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    last_used_at = UtcDateTime(
        dump_only=True, allow_none=True, metadata={"description": "null: never used"}
    )


class ApiAccountCreatedSchema(CreatedSchema, ApiAccountSchema):
    """The one answer that carries the password."""

    SECRET_FIELD = "password"

    password = fields.String(dump_only=True)


class ApiKeySchema(Schema):
    public_key = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    last_used_at = UtcDateTime(
        dump_only=True, allow_none=True, metadata={"description": "null: never used"}
    )


class ApiKeyCreateSchema(InputSchema):
    description = fields.String(load_default="", validate=validate.Length(max=200))


class ApiKeyCreatedSchema(CreatedSchema, ApiKeySchema):
    """The one answer that carries the private key."""

    SECRET_FIELD = "private_key"

    private_key = fields.String(dump_only=True)
