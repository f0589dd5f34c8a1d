"""Time helpers: idp stores naive UTC datetimes, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

#: The longest lifetime idp gives a token or a client's tokens (ten years, in seconds).
MAX_TTL = 3650 * 24 * 3600
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?")


def utcnow() -> dt.datetime:
    """The current UTC time, naive, at whole seconds as tokens report it."""
    return _clock().replace(tzinfo=None, microsecond=0)


def _clock() -> dt.datetime:
    """The one source of idp's time, which tests replace to move it by hand."""
    return dt.datetime.now(dt.UTC)


def timestamp(moment: dt.datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def parse_duration(value: int | float | str) -> float:
    """Seconds in ``value``: a number of seconds, or text such as 5s, 30m, 2h, 1d, 1h30m."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.fullmatch(str(value).strip())
        if not str(value).strip() or match is None or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration such as 5s, 30m, 2h or 1d")
        days, hours, minutes, secs = (float(part or 0) for part in match.groups())
        seconds = ((days * 24 + hours) * 60 + minutes) * 60 + secs
    if seconds <= 0:
        raise ValueError(f"{value!r} is not longer than zero")
    return seconds
