"""Time helpers: idp stores naive UTC datetimes, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current UTC time, naive, at whole seconds as tokens report it."""
    return _clock().replace(tzinfo=None, microsecond=0)


def _clock() -> dt.datetime:
    """The one source of idp's time, which tests replace to move it by hand."""
    return dt.datetime.now(dt.UTC)


def timestamp(moment: dt.datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp())
