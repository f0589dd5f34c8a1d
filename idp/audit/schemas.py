"""JSON shapes of audit records and of the filters that select them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate

from idp.schemas import InputSchema
from idp.schemas import UtcDateTime


class AuditRecordSchema(Schema):
    id = fields.Integer(dump_only=True)
    at = UtcDateTime(dump_only=True)
    actor_kind = fields.String(
        dump_only=True,
        metadata={
            "description": "operator, command (the idp command), client, "
            "leak_report (POST /oauth/leaked) or idp (its webhook worker)"
        },
    )
    actor = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "the operator's username, the client's ID, or the "
            "OS user who ran the idp command"
        },
    )
    via = fields.String(
        dump_only=True, metadata={"description": "api, console, oauth, cli or worker"}
    )
    source = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "the caller's address, or the host of the command"},
    )
    action = fields.String(dump_only=True, metadata={"example": "client.created"})
    target = fields.String(dump_only=True, metadata={"example": "client:reports"})
    before = fields.Dict(
        dump_only=True, allow_none=True, metadata={"description": "non-secret fields"}
    )
    after = fields.Dict(
        dump_only=True, allow_none=True, metadata={"description": "non-secret fields"}
    )


class AuditFilterSchema(InputSchema):
    """Every filter given must match; pagination's own parameters pass through.

    An InputSchema: a value holding NUL is refused (PostgreSQL cannot compare it).
    """

    class Meta:
        unknown = EXCLUDE

    actor = fields.String(validate=validate.Length(max=150))
    target = fields.String(
        validate=validate.Length(max=255), metadata={"example": "operator:alice"}
    )
    action = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "an action, or a family without a dot: client"},
    )
    since = fields.AwareDateTime(
        default_timezone=dt.UTC, metadata={"description": "RFC 3339, inclusive"}
    )
    until = fields.AwareDateTime(
        default_timezone=dt.UTC, metadata={"description": "RFC 3339, exclusive"}
    )

    @post_load
    def naive_utc(self, data: dict, **kwargs: Any) -> dict:
        """idp stores naive UTC."""
        for key in ("since", "until"):
            if key in data:
                data[key] = data[key].astimezone(dt.UTC).replace(tzinfo=None)
        return data
