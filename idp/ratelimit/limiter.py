"""Count one request per introspection against the operator's limit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import limits
import redis
from limits.storage import Storage

from idp.ratelimit.failopen import fail_open
from idp.store import LazyCluster
from idp.store import slot_tag


@dataclass(frozen=True)
class Window:
    """The state of an operator's current rate-limit window after a hit."""

    limit: int
    remaining: int
    reset: int  # unix time at which the window ends
    exceeded: bool
    counted: bool = True  # False when the store was unreachable
    crossed: bool = False  # this hit was the window's first one over the limit


@lru_cache(maxsize=256)
def parse_limit(text: str) -> limits.RateLimitItem:
    """Parse "30/minute"; raises ValueError on anything else."""
    return limits.parse(text)


#: Count one request in a fixed window and read the change-log head, in one trip.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl, redis.call('GET', KEYS[2])}
"""


def _uncounted(
    limiter: OperatorLimiter, operator_id: int, limit: str | None = None, *rest: object
) -> Window:
    """The answer of a call the store could not count: the whole limit remains."""
    item = parse_limit(limit or limiter.default)
    return Window(
        limit=item.amount,
        remaining=item.amount,
        reset=int(time.time()) + item.get_expiry(),
        exceeded=False,
        counted=False,
    )


class OperatorLimiter:
    """A fixed window per operator: the window's end is a clean ``reset``.

    With Redis, :meth:`hit_and_read_head` counts in one script that also reads
    the head of the change log (idp.changes), so introspection makes one round
    trip; without it, ``limits`` counts in this process. On a Cluster, an
    operator's counter carries the hash tag of the head copy it is read with
    (idp.store.slot_tag).
    """

    def __init__(
        self,
        storage: Storage,
        default: str,
        client: redis.Redis | LazyCluster | None = None,
        prefix: str = "idp",
    ) -> None:
        self.storage = storage
        self.default = default
        self.prefix = prefix
        self.client = client
        self._hit = client.register_script(_HIT) if client is not None else None

    def _operator_key(self, item: limits.RateLimitItem, operator_id: int) -> str:
        """The counter's key under the storage's prefix, in its head copy's slot."""
        tag = slot_tag(self.client, operator_id)
        return tag + item.key_for("operator", str(operator_id))

    @fail_open(lambda *call: (_uncounted(*call), None, False), "not counting")
    def hit_and_read_head(
        self, operator_id: int, limit: str | None, head_key: str
    ) -> tuple[Window, int | None, bool]:
        """The window after one hit, the change-log head, and whether Redis answered.

        ``head_key`` must share the counter's slot: idp.changes.writing.head_key(operator_id).
        """
        if self._hit is None:
            return self.hit(operator_id, limit), None, True
        item = parse_limit(limit or self.default)
        key = f"{self.prefix}:ratelimit:{self._operator_key(item, operator_id)}"
        count, ttl, head = self._hit(keys=[key, head_key], args=[item.get_expiry()])
        window = Window(
            limit=item.amount,
            remaining=max(0, item.amount - count),
            reset=int(time.time()) + int(ttl),
            exceeded=count > item.amount,
            crossed=count == item.amount + 1,
        )
        return window, int(head) if head is not None else None, True

    @fail_open(_uncounted, "not counting")
    def hit(self, operator_id: int, limit: str | None = None) -> Window:
        """Count one request and return the window.

        If the store fails, the request is let through uncounted (``counted``
        False; see idp.ratelimit.failopen).
        """
        item = parse_limit(limit or self.default)
        key = self._operator_key(item, operator_id)
        # FixedWindowRateLimiter.hit() is this incr, but hides the count we
        # need for `remaining`; the storage API gives it in one round trip.
        count = self.storage.incr(key, item.get_expiry())
        reset = int(self.storage.get_expiry(key))
        return Window(
            limit=item.amount,
            remaining=max(0, item.amount - count),
            reset=reset,
            exceeded=count > item.amount,
            crossed=count == item.amount + 1,
        )

    @fail_open(_uncounted, "not reading")
    def peek(self, operator_id: int, limit: str | None = None) -> Window:
        """The current window without counting a request (for the console).

        ``counted`` is False when the store is unreachable, as for :meth:`hit`.
        """
        item = parse_limit(limit or self.default)
        key = self._operator_key(item, operator_id)
        count = int(self.storage.get(key) or 0)
        reset = int(self.storage.get_expiry(key)) if count else 0
        return Window(
            limit=item.amount,
            remaining=max(0, item.amount - count),
            reset=reset or int(time.time()) + item.get_expiry(),
            exceeded=count > item.amount,
        )
