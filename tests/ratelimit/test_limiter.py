"""OperatorLimiter: one fixed window per operator, on memory and on Redis."""

from __future__ import annotations

import logging
import time

import pytest

from idp.ratelimit.limiter import OperatorLimiter
from idp.ratelimit.limiter import Window


@pytest.fixture
def limiter(store, redis_prefix: str) -> OperatorLimiter:
    storage, client = store
    return OperatorLimiter(storage, "3/minute", client=client, prefix=redis_prefix)


def test_hits_count_down_then_exceed_once(limiter: OperatorLimiter) -> None:
    """Each hit takes one; the first hit over the limit is the one that crosses."""
    windows = [limiter.hit(1) for _ in range(5)]

    assert [(w.remaining, w.exceeded, w.crossed) for w in windows] == [
        (2, False, False),
        (1, False, False),
        (0, False, False),
        (0, True, True),
        (0, True, False),
    ]
    assert all(w.limit == 3 and w.counted for w in windows)


def test_the_window_resets_within_its_length(limiter: OperatorLimiter) -> None:
    before = int(time.time())
    window = limiter.hit(1)
    assert before < window.reset <= before + 61


def test_operators_count_apart_and_their_own_limit_wins(
    limiter: OperatorLimiter,
) -> None:
    limiter.hit(1)
    limiter.hit(1)

    assert limiter.hit(2).remaining == 2
    own = limiter.hit(3, "10/minute")
    assert (own.limit, own.remaining) == (10, 9)


def test_peek_reads_without_counting(limiter: OperatorLimiter) -> None:
    assert limiter.peek(1).remaining == 3
    limiter.hit(1)
    assert limiter.peek(1).remaining == 2
    assert limiter.peek(1).remaining == 2
    assert limiter.hit(1).remaining == 1


def test_hit_and_read_head_counts_like_hit(
    limiter: OperatorLimiter, redis_prefix: str
) -> None:
    """With Redis the Lua script counts and reads the head in one trip; without
    it the count is the same and there is no head."""
    first, head, answered = limiter.hit_and_read_head(1, None, f"{redis_prefix}:head")
    second, _, _ = limiter.hit_and_read_head(1, None, f"{redis_prefix}:head")

    assert (first.remaining, second.remaining) == (2, 1)
    assert head is None and answered is True
    assert limiter.hit(1).remaining == 0


def test_an_unreachable_store_lets_every_call_through_uncounted(
    unreachable, caplog: pytest.LogCaptureFixture
) -> None:
    """Fail open (idp.ratelimit.failopen): the whole limit, counted False, a warning."""
    storage, client = unreachable
    limiter = OperatorLimiter(storage, "3/minute", client=client)
    caplog.set_level(logging.WARNING, logger="idp.ratelimit.limiter")

    hit = limiter.hit(1)
    peek = limiter.peek(1, "5/minute")
    counted, head, answered = limiter.hit_and_read_head(1, None, "head")

    for window, limit in ((hit, 3), (peek, 5), (counted, 3)):
        assert isinstance(window, Window)
        assert (window.limit, window.remaining) == (limit, limit)
        assert window.exceeded is False and window.counted is False
    assert (head, answered) == (None, False)
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "rate-limit store unreachable, not counting",
        "rate-limit store unreachable, not reading",
        "rate-limit store unreachable, not counting",
    ]
