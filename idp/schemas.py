"""Field types shared by every JSON schema."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields


class UtcDateTime(fields.DateTime):
    """idp stores naive UTC; every answer says so (2026-11-25T21:00:00+00:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)
