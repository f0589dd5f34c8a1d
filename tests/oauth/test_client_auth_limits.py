"""Failed client authentications are limited, unknown clients cost one constant
check, and verified secrets outlive a Redis outage without re-hashing."""

from __future__ import annotations

import pytest

from idp.oauth import client_auth
from idp.security import verify_password as real_verify
from tests.conftest import basic


@pytest.fixture
def hashes(monkeypatch) -> list[str | None]:
    """Every argon2 verification: the hash checked (None: the dummy)."""
    checked: list[str | None] = []

    def counting(password_hash, password):
        checked.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(client_auth, "verify_password", counting)
    return checked


@pytest.mark.config(CLIENT_AUTH_FAILURE_LIMIT="3/minute")
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/oauth/introspect", {"token": "x"}),
        ("/oauth/revoke", {"token": "x"}),
        ("/oauth/token", {"grant_type": "password", "username": "a", "password": "b"}),
    ],
)
def test_failures_past_the_limit_are_refused_without_hashing(
    oauth_actions, hashes, path, data
):
    oauth_actions.resource_server()
    for _ in range(3):
        response = oauth_actions.http.post(
            path, data=data, headers=basic("resource-api", "wrong")
        )
        assert response.status_code == 401
    assert len(hashes) == 3

    refused = oauth_actions.http.post(
        path, data=data, headers=basic("resource-api", "wrong")
    )

    assert refused.status_code == 429
    assert refused.json["error"] == "invalid_client"
    assert int(refused.headers["Retry-After"]) > 0
    assert len(hashes) == 3


@pytest.mark.config(CLIENT_AUTH_FAILURE_LIMIT="3/minute")
def test_one_address_cannot_try_many_client_ids(oauth_actions, hashes):
    for number in range(3):
        oauth_actions.introspect((f"guess-{number}", "wrong"), "x")
    refused = oauth_actions.introspect(("guess-new", "wrong"), "x")
    assert refused.status_code == 429
    assert len(hashes) == 3


@pytest.mark.config(CLIENT_AUTH_FAILURE_LIMIT="3/minute")
def test_a_verified_client_is_not_locked_out_by_failures(oauth_actions, hashes):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, login["access_token"]).json["active"]
    for _ in range(4):
        oauth_actions.introspect((caller[0], "wrong"), login["access_token"])

    assert oauth_actions.introspect(caller, login["access_token"]).json["active"]


def test_an_unknown_client_costs_the_one_constant_check(oauth_actions, hashes):
    """The dummy hash: the same time as a wrong secret, and no more."""
    response = oauth_actions.introspect(("nobody", "secret"), "x")
    assert response.status_code == 401
    assert hashes == [None]


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0", REDIS_TIMEOUT=0.2)
def test_verified_secrets_survive_a_redis_outage(oauth_actions, hashes):
    """Without Redis the answers come from the database, never from argon2 again."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    hashes.clear()
    for _ in range(5):
        answer = oauth_actions.introspect(caller, login["access_token"])
        assert answer.json["active"] is True
    assert len(hashes) == 1
