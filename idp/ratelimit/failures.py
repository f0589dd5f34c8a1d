"""Throttling of failed attempts: client authentication and leak reports."""

from __future__ import annotations

import time

from limits.storage import Storage

from idp.ratelimit.failopen import fail_open
from idp.ratelimit.limiter import parse_limit


class FailureThrottle:
    """Counts failures per name in a fixed window; a name at the limit waits.

    Unlike login throttling (idp.ratelimit.login) there is no progressive
    delay: the callers are machines, told when to retry.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @fail_open(0, "not checking")
    def failures_exceeded(self, names: list[str], limit: str) -> int:
        """Seconds until any of ``names`` may fail again, 0 if none is at the limit."""
        item = parse_limit(limit)
        for name in names:
            key = item.key_for("failures", name)
            if self.storage.get(key) >= item.amount:
                return max(1, int(self.storage.get_expiry(key) - time.time()))
        return 0

    @fail_open(None, "not counting")
    def count_failures(self, names: list[str], limit: str) -> None:
        """Count one failure against each of ``names``."""
        item = parse_limit(limit)
        for name in names:
            self.storage.incr(item.key_for("failures", name), item.get_expiry())
