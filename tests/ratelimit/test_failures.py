"""FailureThrottle: failed client authentications and leak reports, per name."""

from __future__ import annotations

import pytest

from idp.ratelimit.failures import FailureThrottle


@pytest.fixture
def throttle(store) -> FailureThrottle:
    return FailureThrottle(store[0])


def test_a_name_at_the_limit_waits_until_its_window_ends(
    throttle: FailureThrottle,
) -> None:
    assert throttle.failures_exceeded(["client:a"], "2/minute") == 0
    throttle.count_failures(["client:a"], "2/minute")
    assert throttle.failures_exceeded(["client:a"], "2/minute") == 0
    throttle.count_failures(["client:a"], "2/minute")

    assert 1 <= throttle.failures_exceeded(["client:a"], "2/minute") <= 60
    assert throttle.failures_exceeded(["client:b"], "2/minute") == 0


def test_any_name_at_the_limit_is_enough(throttle: FailureThrottle) -> None:
    """A client is checked by its ID and by the caller's address together."""
    for _ in range(2):
        throttle.count_failures(["address:1"], "2/minute")

    assert throttle.failures_exceeded(["client:a", "address:1"], "2/minute") > 0


def test_an_unreachable_store_never_refuses(unreachable) -> None:
    throttle = FailureThrottle(unreachable[0])

    assert throttle.count_failures(["client:a"], "1/minute") is None
    assert throttle.failures_exceeded(["client:a"], "1/minute") == 0
