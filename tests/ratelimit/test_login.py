"""LoginThrottle: a delay per (username, source) after the free failures."""

from __future__ import annotations

import pytest

from idp.ratelimit.login import LoginThrottle

KEY = b"k" * 32


@pytest.fixture
def throttle(store) -> LoginThrottle:
    return LoginThrottle(store[0], "2/minute", KEY)


def fail(throttle: LoginThrottle, username: str = "bob", source: str = "10.0.0.1"):
    return throttle.attempt(username, source, lambda: False)


def succeed(throttle: LoginThrottle, username: str = "bob", source: str = "10.0.0.1"):
    return throttle.attempt(username, source, lambda: True)


def test_a_success_before_the_limit_clears_the_failures(
    throttle: LoginThrottle,
) -> None:
    assert fail(throttle) is False
    assert succeed(throttle) is True
    assert fail(throttle) is False
    assert succeed(throttle) is True


def test_after_the_free_failures_even_the_right_password_waits(
    throttle: LoginThrottle,
) -> None:
    """The delay answers as a wrong password would, so it tells a guesser nothing."""
    fail(throttle)
    fail(throttle)

    assert succeed(throttle) is False
    assert succeed(throttle, source="10.0.0.2") is True
    assert succeed(throttle, username="carol") is True


def test_verify_runs_even_during_a_delay(throttle: LoginThrottle) -> None:
    calls = []
    fail(throttle)
    fail(throttle)

    throttle.attempt("bob", "10.0.0.1", lambda: calls.append(1) or True)

    assert calls == [1]


def test_the_store_never_sees_the_username(store, throttle: LoginThrottle) -> None:
    storage, client = store
    fail(throttle, username="hunter2-typed-as-a-name")
    if client is None:
        keys = list(storage.storage)
    else:
        keys = [key.decode() for key in client.scan_iter(f"{storage.key_prefix}:*")]
    assert keys and not any("hunter2" in key for key in keys)


def test_an_unreachable_store_throttles_nobody(unreachable) -> None:
    throttle = LoginThrottle(unreachable[0], "1/minute", KEY)

    assert fail(throttle) is False
    assert fail(throttle) is False
    assert succeed(throttle) is True
