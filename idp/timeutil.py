"""Time helpers: idp stores naive UTC datetimes, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current UTC time, naive, at whole seconds as tokens report it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def timestamp(moment: dt.datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp())
