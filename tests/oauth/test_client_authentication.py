"""Client authentication at the token endpoint (RFC 6749 §2.3, §5.2)."""

from __future__ import annotations

import pytest

from tests.conftest import basic


def test_client_secret_post_is_accepted(oauth_actions, client):
    """RFC 6749 §2.3.1: credentials in the request body."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": password,
            "client_id": "script",
            "client_secret": secret,
        },
    )
    assert response.status_code == 200
    assert response.json["access_token"].startswith("idp_at_")


def test_admin_chosen_secret_works(oauth_actions):
    """A secret chosen by the admin instead of generated."""
    _, password = oauth_actions.operator()
    oauth_actions.oauth_client(secret="chosen by the admin")
    response = oauth_actions.password_grant(
        "script", "chosen by the admin", "alice", password
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("script", "wrong"), ("nobody", "wrong"), ("script", "")],
    ids=["wrong-secret", "unknown-client", "empty-secret"],
)
def test_failed_basic_authentication_is_401_with_challenge(
    oauth_actions, client, client_id, secret
):
    """RFC 6749 §5.2: 401 invalid_client and WWW-Authenticate after a Basic attempt."""
    _, password = oauth_actions.operator()
    oauth_actions.oauth_client()
    response = oauth_actions.password_grant(client_id, secret, "alice", password)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_unknown_and_wrong_client_get_the_same_answer(oauth_actions):
    """The answer does not say which client IDs exist."""
    _, password = oauth_actions.operator()
    oauth_actions.oauth_client()
    wrong = oauth_actions.password_grant("script", "wrong", "alice", password)
    unknown = oauth_actions.password_grant("nobody", "wrong", "alice", password)
    assert wrong.json == unknown.json
    assert wrong.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


def test_failed_post_authentication_is_invalid_client(oauth_actions, client):
    """RFC 6749 §5.2: invalid_client for wrong credentials in the body."""
    _, password = oauth_actions.operator()
    oauth_actions.oauth_client()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": password,
            "client_id": "script",
            "client_secret": "wrong",
        },
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_missing_client_authentication_is_invalid_client(oauth_actions, client):
    """RFC 6749 §3.2.1: confidential clients MUST authenticate."""
    _, password = oauth_actions.operator()
    oauth_actions.oauth_client()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": password,
            "client_id": "script",
        },
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_two_authentication_methods_at_once_is_invalid_request(oauth_actions, client):
    """RFC 6749 §2.3: a client MUST NOT use more than one method per request."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": password,
            "client_id": "script",
            "client_secret": secret,
        },
        headers=basic("script", secret),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_client_id_with_colon_encoded_in_basic_works(oauth_actions):
    """RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64."""
    _, password = oauth_actions.operator()
    oauth_actions.oauth_client(secret="p%ss:word")
    response = oauth_actions.password_grant(
        "script", "p%25ss%3Aword", "alice", password
    )
    assert response.status_code == 200
