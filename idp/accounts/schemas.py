"""JSON shapes of profiles and operators."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from idp import names
from idp.accounts.models import Level
from idp.accounts.models import OperatorKind
from idp.accounts.models import Profile
from idp.accounts.modules import declared_modules
from idp.schemas import CreatedSchema
from idp.schemas import InputSchema
from idp.schemas import UtcDateTime
from idp.schemas import name_field

LEVEL = fields.String(validate=validate.OneOf([level.value for level in Level]))


class ModuleLevelsSchema(InputSchema):
    """One module's level for each action."""

    add = LEVEL
    edit = LEVEL
    delete = LEVEL
    inquire = LEVEL


class ProfileSchema(Schema):
    name = fields.String(dump_only=True)
    api_access = fields.Boolean(dump_only=True)
    manage_users = fields.Boolean(dump_only=True)
    manage_clients = fields.Boolean(dump_only=True)
    modules = fields.Method(
        "declared_levels",
        dump_only=True,
        metadata={
            "type": "object",
            "additionalProperties": {"$ref": "#/components/schemas/ModuleLevels"},
            "description": "every declared module, with its levels",
        },
    )
    created_at = UtcDateTime(dump_only=True)

    def declared_levels(self, profile: Profile) -> dict:
        return profile.permissions(declared_modules())["modules"]


class ProfileUpdateSchema(InputSchema):
    api_access = fields.Boolean()
    manage_users = fields.Boolean()
    manage_clients = fields.Boolean()
    modules = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=80)),
        values=fields.Nested(ModuleLevelsSchema),
        metadata={"description": "levels to change, by declared module"},
    )


class ProfileCreateSchema(ProfileUpdateSchema):
    name = name_field(names.NAME, max_length=80, example="support")


class OperatorSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    owner = fields.Boolean(attribute="is_owner", dump_only=True)
    active = fields.Boolean(attribute="is_active", dump_only=True)
    profile = fields.String(attribute="profile.name", dump_only=True)
    rate_limit = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "null means the configured default"},
    )
    created_at = UtcDateTime(dump_only=True)


class OperatorCreateSchema(InputSchema):
    username = name_field(names.NAME, max_length=150, example="alice")
    profile = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(
        load_default=OperatorKind.PERSON.value,
        validate=validate.OneOf([kind.value for kind in OperatorKind]),
    )
    password = fields.String(
        load_only=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "omit to have one generated"},
    )
    rate_limit = fields.String(
        validate=validate.Length(min=1, max=40), metadata={"example": "120/minute"}
    )


class OperatorCreatedSchema(CreatedSchema, OperatorSchema):
    """The one answer that carries a generated password."""

    SECRET_FIELD = "password"

    password = fields.String(dump_only=True, allow_none=True)


class OperatorUpdateSchema(InputSchema):
    active = fields.Boolean()
    profile = fields.String(validate=validate.Length(min=1, max=80))
    rate_limit = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "empty restores the default"},
    )


class ModuleSchema(Schema):
    name = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class ModuleCreateSchema(InputSchema):
    name = name_field(names.NAME, max_length=80, example="tickets")
