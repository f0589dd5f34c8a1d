"""A NUL character anywhere a caller writes text is refused, never a 500.

PostgreSQL refuses NUL in a query, so without a check any caller could make the
OAuth endpoints and /register fail with a 500 (each test runs on both backends).
"""

from __future__ import annotations

import pytest

from idp.security import SecretKind
from idp.security import generate_secret
from tests.conftest import basic

NUL_CLIENT = basic("script\x00", "wrong")


@pytest.mark.parametrize(
    "extra",
    [{"username": "alice\x00"}, {"password": "pw\x00"}, {"scope": "public-api\x00"}],
)
def test_nul_in_a_token_parameter_is_invalid_request(oauth_actions, extra):
    """RFC 6749 Appendix A: no parameter's syntax allows NUL."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    data = {"username": "alice", "password": password, **extra}

    response = oauth_actions.password_grant("script", secret, **data)

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_nul_in_a_posted_client_id_is_invalid_request(oauth_actions, client):
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "pw",
            "client_id": "script\x00",
            "client_secret": "wrong",
        },
    )

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/oauth/token", {"grant_type": "password", "username": "a", "password": "b"}),
        ("/oauth/introspect", {"token": "x"}),
        ("/oauth/revoke", {"token": "x"}),
    ],
)
def test_nul_in_a_basic_client_id_is_invalid_client(oauth_actions, client, path, data):
    oauth_actions.oauth_client(may_introspect=True)

    response = client.post(path, data=data, headers=NUL_CLIENT)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("public", "kind"),
    [
        ("idp_aa_\x00", SecretKind.API_ACCOUNT_PASSWORD),
        ("idp_pk_\x00", SecretKind.API_PRIVATE_KEY),
    ],
)
def test_nul_in_a_credential_pair_is_inactive(oauth_actions, public, kind):
    caller = oauth_actions.resource_server()

    response = oauth_actions.introspect(caller, f"{public}:{generate_secret(kind)}")

    assert response.status_code == 200
    assert response.json == {"active": False}


def test_nul_in_the_register_login_is_401(client):
    response = client.post("/register", headers=basic("alice\x00", "pw"))

    assert response.status_code == 401
