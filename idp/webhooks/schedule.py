"""When to try a delivery again: the retry schedule, jitter and ``Retry-After``.

``IDP_WEBHOOK_RETRY_SCHEDULE`` lists the waits after each failed attempt
(``5s,5m,30m,2h,5h,10h,10h,10h``: nine attempts over about three days). A wait
is spread by up to a tenth either way, so that deliveries failing together do
not all come back in the same second. A receiver's ``Retry-After`` may lengthen
a wait, never beyond the schedule's longest step, and never shorten it: the
schedule is the most idp sends to a receiver in trouble.
"""

from __future__ import annotations

import datetime as dt
import random
from email.utils import parsedate_to_datetime

from idp.timeutil import parse_duration

JITTER = 0.1


def parse_schedule(value: str | list) -> list[float]:
    """The waits of a comma-separated schedule (or a list); ValueError naming a bad one."""
    items = value.split(",") if isinstance(value, str) else list(value)
    if not items or not all(str(item).strip() for item in items):
        raise ValueError("the schedule is a comma-separated list such as 5s,5m,2h")
    return [
        parse_duration(item.strip() if isinstance(item, str) else item)
        for item in items
    ]


def next_delay(
    failed_attempts: int,
    schedule: list[float],
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait after the ``failed_attempts``-th failure; None when it was the last."""
    if failed_attempts > len(schedule):
        return None
    delay = schedule[failed_attempts - 1] * (rng or random).uniform(
        1 - JITTER, 1 + JITTER
    )
    if retry_after is not None:
        delay = max(delay, min(retry_after, max(schedule)))
    return delay


def parse_retry_after(
    value: str | None, now: dt.datetime | None = None
) -> float | None:
    """Seconds a ``Retry-After`` header asks for (RFC 9110 §10.2.3), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (moment - now).total_seconds())
