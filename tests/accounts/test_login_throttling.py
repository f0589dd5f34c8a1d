"""Password guessing is slowed per username (password grant and /register)."""

from __future__ import annotations

import pytest

from tests.conftest import basic


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/minute")
def test_after_too_many_failures_even_the_right_password_fails(oauth_actions):
    """The lockout answers like a wrong password, so it reveals nothing."""
    _, password = oauth_actions.operator("alice")
    oauth_actions.operator("bob", password="bob's password")
    _, secret = oauth_actions.oauth_client()
    for _ in range(3):
        wrong = oauth_actions.password_grant("script", secret, "alice", "guess")
        assert wrong.json["error"] == "invalid_grant"
    locked = oauth_actions.password_grant("script", secret, "alice", password)
    assert locked.status_code == 400
    assert locked.json == wrong.json
    register = oauth_actions.http.post("/register", headers=basic("alice", password))
    assert register.status_code == 401
    other = oauth_actions.password_grant("script", secret, "bob", "bob's password")
    assert other.status_code == 200


@pytest.mark.config(LOGIN_FAILURE_LIMIT="3/minute")
def test_failures_below_the_limit_do_not_lock(oauth_actions):
    """A few typos do not lock anyone out."""
    _, password = oauth_actions.operator("alice")
    _, secret = oauth_actions.oauth_client()
    for _ in range(2):
        oauth_actions.password_grant("script", secret, "alice", "typo")
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 200
