"""Client authentication at the token endpoint (RFC 6749 §2.3, §5.2)."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

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


# -- HTTP Basic as RFC 6749 §2.3.1 and RFC 7617 define it ---------------------

ENDPOINTS = [
    ("/oauth/token", {"grant_type": "password", "username": "a", "password": "b"}),
    ("/oauth/introspect", {"token": "x"}),
    ("/oauth/revoke", {"token": "x"}),
]


def raw_basic(pair: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


@pytest.mark.parametrize(("path", "data"), ENDPOINTS)
def test_basic_credentials_not_utf8_are_invalid_client(client, path, data):
    """Authlib fails with a 500 on these bytes; they name no client: 401."""
    response = client.post(path, data=data, headers=raw_basic(b"\xff\xfe:\xff"))

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


@pytest.mark.parametrize(("path", "data"), ENDPOINTS)
def test_the_basic_challenge_has_a_realm_and_names_no_method(client, path, data):
    """RFC 7617 §2: realm is required; the description is one plain sentence."""
    response = client.post(path, data=data, headers=basic("nobody", "wrong"))

    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Basic realm="idp", error="invalid_client"')
    assert response.json["error_description"] == "Client authentication failed."


def test_basic_credentials_are_form_decoded(oauth_actions, client):
    """RFC 6749 §2.3.1 (Appendix B): '+' is a space, '%XX' a byte of UTF-8."""
    _, password = oauth_actions.operator()
    secret = "a chosen secret: été/ok"  # sent as a+chosen+secret%3A+%C3%A9t%C3%A9%2Fok
    oauth_actions.oauth_client(secret=secret)
    encoded = f"script:{quote_plus(secret)}".encode()

    response = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "alice", "password": password},
        headers=raw_basic(encoded),
    )

    assert response.status_code == 200, response.json


@pytest.mark.parametrize(
    ("client_id", "status"), [("script", 200), ("", 200), ("someone-else", 400)]
)
def test_a_client_id_in_the_body_must_name_the_basic_client(
    oauth_actions, client_id, status
):
    """RFC 6749 §3.2.1: client_id in the body identifies the client; one only."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    data = {"username": "alice", "password": password, "client_id": client_id}

    response = oauth_actions.http.post(
        "/oauth/token",
        data={"grant_type": "password", **data},
        headers=basic("script", secret),
    )

    assert response.status_code == status, response.json
    if status == 400:
        assert response.json["error"] == "invalid_request"
