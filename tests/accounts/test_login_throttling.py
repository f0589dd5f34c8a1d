"""Password guessing is slowed per username and source (password grant and /register).

A progressive delay, never a hard lock: an outsider guessing from elsewhere
slows only itself.
"""

from __future__ import annotations

import time

import pytest

from idp.ratelimit import LoginThrottle
from tests.conftest import basic
from tests.conftest import redis_client

pytestmark = pytest.mark.redis_cluster

OUTSIDER = {"REMOTE_ADDR": "192.0.2.66"}


@pytest.fixture
def long_delay(monkeypatch):
    monkeypatch.setattr(LoginThrottle, "first_delay", 600)


def _fail(oauth_actions, secret, times, username="alice", **kwargs):
    for _ in range(times):
        wrong = oauth_actions.http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": username, "password": "x"},
            headers=basic("script", secret),
            **kwargs,
        )
        assert wrong.json["error"] == "invalid_grant"
    return wrong


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/hour")
def test_after_too_many_failures_even_the_right_password_waits(
    oauth_actions, long_delay
):
    """The delay answers like a wrong password, so it reveals nothing."""
    _, password = oauth_actions.operator("alice")
    oauth_actions.operator("bob", password="bob's password")
    _, secret = oauth_actions.oauth_client()
    wrong = _fail(oauth_actions, secret, 3)
    delayed = oauth_actions.password_grant("script", secret, "alice", password)
    assert delayed.status_code == 400
    assert delayed.json == wrong.json
    register = oauth_actions.http.post("/register", headers=basic("alice", password))
    assert register.status_code == 401
    other = oauth_actions.password_grant("script", secret, "bob", "bob's password")
    assert other.status_code == 200


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/hour")
def test_an_outsider_cannot_lock_the_owner_out(oauth_actions, long_delay):
    """Failures from another address delay that address, not the owner's."""
    _, password = oauth_actions.operator("alice")
    _, secret = oauth_actions.oauth_client()
    _fail(oauth_actions, secret, 10, environ_base=OUTSIDER)
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 200
    from_outsider = oauth_actions.http.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "alice", "password": password},
        headers=basic("script", secret),
        environ_base=OUTSIDER,
    )
    assert from_outsider.status_code == 400


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/hour")
def test_the_delay_passes_and_a_success_clears_the_count(oauth_actions):
    """No hard lock: after the first delay (1 s) the right password works."""
    _, password = oauth_actions.operator("alice")
    _, secret = oauth_actions.oauth_client()
    _fail(oauth_actions, secret, 3)
    assert (
        oauth_actions.password_grant("script", secret, "alice", password).status_code
        == 400
    )
    time.sleep(1.2)
    assert (
        oauth_actions.password_grant("script", secret, "alice", password).status_code
        == 200
    )
    # The count started again: two typos do not delay the third try.
    _fail(oauth_actions, secret, 2)
    assert (
        oauth_actions.password_grant("script", secret, "alice", password).status_code
        == 200
    )


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/hour")
def test_failures_below_the_limit_do_not_delay(oauth_actions, long_delay):
    """A few typos do not slow anyone down."""
    _, password = oauth_actions.operator("alice")
    _, secret = oauth_actions.oauth_client()
    _fail(oauth_actions, secret, 2)
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 200


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/hour")
def test_failure_keys_hold_no_username_and_do_not_grow(
    oauth_actions, redis_url, redis_prefix
):
    """A password typed as a username never reaches Redis; key size is bounded."""
    _, secret = oauth_actions.oauth_client()
    typed = "my-Secret-Password-42"
    _fail(oauth_actions, secret, 2, username=typed)
    _fail(oauth_actions, secret, 2, username="u" * 400_000)
    client = redis_client(redis_url)
    keys = list(client.scan_iter(f"{redis_prefix}:*"))
    assert keys
    for key in keys:
        assert b"Secret-Pas" not in key and b"uuuuuuuuuu" not in key
        assert len(key) < 200
        assert client.memory_usage(key) < 1000
    client.close()
