"""Field types and the base schema shared by every JSON schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import pre_dump
from marshmallow import pre_load
from marshmallow import validate

from idp.created import Created
from idp.names import Rule


class UtcDateTime(fields.DateTime):
    """idp stores naive UTC; every answer says so, as the CLI does: ...T21:00:00Z."""

    def _serialize(
        self, value: dt.datetime | None, attr: str | None, obj: object, **kwargs: Any
    ) -> str | None:
        return utc_text(value)


def name_field(rule: Rule, *, max_length: int, example: str) -> fields.String:
    """A required name in a request body, checked as the services check it."""
    return fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=max_length),
            validate.Regexp(rule.pattern, error=f"Only {rule.allowed}."),
        ],
        metadata={"example": example},
    )


def utc_text(moment: dt.datetime | None) -> str | None:
    """RFC 3339 text of a naive UTC datetime, or None."""
    return None if moment is None else moment.replace(tzinfo=None).isoformat() + "Z"


class InputSchema(Schema):
    """The base of every request body schema.

    Text holding a NUL character is refused here, naming the member: PostgreSQL
    cannot store it (the query would fail with a 500) and no name needs it.
    """

    @pre_load
    def refuse_nul(self, data: object, **kwargs: Any) -> object:
        if isinstance(data, Mapping):  # a JSON body, or query arguments
            errors = {
                str(key): [NUL_MESSAGE]
                for key, value in data.items()
                if _holds_nul(key) or _holds_nul(value)
            }
            if errors:
                raise ValidationError(errors)
        return data


NUL_MESSAGE = "Must not contain a NUL character."


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class CreatedSchema(Schema):
    """The base of each `*CreatedSchema`: dumps a :class:`~idp.created.Created`.

    Every field is read from the row except ``SECRET_FIELD``, which is the
    secret travelling beside it.
    """

    SECRET_FIELD = ""

    @pre_dump
    def _row_and_secret(self, created: Created, **kwargs: Any) -> _RowAndSecret:
        return _RowAndSecret(created.row, self.SECRET_FIELD, created.secret)


class _RowAndSecret:
    """A row's attributes, and its secret under one name, for the length of a dump."""

    def __init__(self, row: object, name: str, secret: str | None) -> None:
        self._row = row
        self._name = name
        self._secret = secret

    def __getattr__(self, name: str) -> Any:
        return self._secret if name == self._name else getattr(self._row, name)
