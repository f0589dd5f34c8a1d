"""The password grant at /oauth/token (RFC 6749 §4.3, §5)."""

from __future__ import annotations

import pytest

from tests.conftest import basic


def test_password_grant_issues_bearer_token_with_client_lifetimes(oauth_actions):
    """RFC 6749 §5.1: access token, type, lifetime, refresh token and scope."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client(access_token_ttl=5400)
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 200
    body = response.json
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 5400
    assert body["scope"] == "public-api"
    assert body["access_token"].startswith("idp_at_")
    assert body["refresh_token"].startswith("idp_rt_")
    # 256 bits of randomness: 43 base64url characters after the prefix, then a
    # six-character checksum.
    assert len(body["access_token"]) == len("idp_at_") + 43 + 6
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_explicit_public_api_scope_is_granted(oauth_actions):
    """RFC 6749 §3.3: the requested scope, when it is ours."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.password_grant(
        "script", secret, "alice", password, scope="public-api"
    )
    assert response.status_code == 200
    assert response.json["scope"] == "public-api"


@pytest.mark.parametrize("scope", ["admin", "public-api admin", "openid"])
def test_other_scope_is_invalid_scope(oauth_actions, scope):
    """RFC 6749 §5.2: invalid_scope for a scope we do not grant."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.password_grant(
        "script", secret, "alice", password, scope=scope
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"
    assert response.json == {
        "error": "invalid_scope",
        "error_description": "The requested scope is invalid, unknown, or malformed.",
    }


def test_client_without_refresh_tokens_gets_none(oauth_actions):
    """A client registered without refresh tokens receives only an access token."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client(refresh_tokens=False)
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 200
    assert "refresh_token" not in response.json


def test_wrong_password_and_unknown_user_get_the_same_invalid_grant(oauth_actions):
    """RFC 6749 §5.2 invalid_grant, with one answer so usernames cannot be probed."""
    oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    wrong_password = oauth_actions.password_grant("script", secret, "alice", "nope")
    unknown_user = oauth_actions.password_grant("script", secret, "mallory", "nope")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert (
        wrong_password.json
        == unknown_user.json
        == {
            "error": "invalid_grant",
            "error_description": "Invalid username or password.",
        }
    )


@pytest.mark.parametrize(
    "operator_kwargs",
    [
        {"api_access": False},
        {"kind": "api_member", "password": None},
    ],
    ids=["profile-without-api-access", "api-member"],
)
def test_barred_operators_get_invalid_grant(oauth_actions, operator_kwargs):
    """Only people whose profile has api_access may use the password grant."""
    _, password = oauth_actions.operator(**operator_kwargs)
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.password_grant(
        "script", secret, "alice", password or "anything"
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {
        "error": "invalid_grant",
        "error_description": "Invalid username or password.",
    }


def test_inactive_operator_gets_invalid_grant(app, oauth_actions):
    """A deactivated operator cannot log in."""
    operator, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["operator", "set", "alice", "--inactive"]).exit_code == 0
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {
        "error": "invalid_grant",
        "error_description": "Invalid username or password.",
    }


def test_client_without_password_grant_is_unauthorized_client(oauth_actions):
    """RFC 6749 §5.2: unauthorized_client for a grant the client may not use."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client(password_grant=False)
    response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 400
    assert response.json["error"] == "unauthorized_client"
    assert response.json == {
        "error": "unauthorized_client",
        "error_description": "The client is not authorized to use 'grant_type=password'",
    }


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"username": "alice", "password": "x"}, "invalid_request"),
        ({"grant_type": "password", "password": "x"}, "invalid_request"),
        ({"grant_type": "password", "username": "alice"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ],
)
def test_malformed_requests_get_rfc_errors(oauth_actions, client, data, error):
    """RFC 6749 §5.2: the error code for each malformed request."""
    _, secret = oauth_actions.oauth_client()
    response = client.post("/oauth/token", data=data, headers=basic("script", secret))
    assert response.status_code == 400
    assert response.json["error"] == error
    assert response.headers["Cache-Control"] == "no-store"


def test_repeated_parameter_is_invalid_request(oauth_actions, client):
    """RFC 6749 §3.2: parameters MUST NOT be included more than once."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    body = f"grant_type=password&username=alice&username=bob&password={password}"
    response = client.post(
        "/oauth/token",
        data=body,
        headers={
            **basic("script", secret),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json == {
        "error": "invalid_request",
        "error_description": "Parameter 'username' is repeated.",
    }


@pytest.mark.parametrize(
    "extra", ["&resource=https://a&resource=https://b", "&unknown=a%00b"]
)
def test_unrecognised_parameters_are_ignored(oauth_actions, client, extra):
    """RFC 6749 §3.2: the server MUST ignore unrecognized request parameters
    (RFC 8707's `resource` may even repeat)."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    body = f"grant_type=password&username=alice&password={password}{extra}"
    response = client.post(
        "/oauth/token",
        data=body,
        headers={
            **basic("script", secret),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200, response.json


def test_parameters_in_the_query_string_are_ignored(oauth_actions, client):
    """RFC 6749 §3.2: the token request's parameters travel in the body."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = client.post(
        f"/oauth/token?grant_type=password&username=alice&password={password}",
        data={"scope": "public-api"},
        headers=basic("script", secret),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json == {
        "error": "invalid_request",
        "error_description": "Missing 'grant_type' in request.",
    }


def test_json_body_is_invalid_request(oauth_actions, client):
    """RFC 6749 §4.3.2: the body is application/x-www-form-urlencoded."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = client.post(
        "/oauth/token",
        json={"grant_type": "password", "username": "alice", "password": password},
        headers=basic("script", secret),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json == {
        "error": "invalid_request",
        "error_description": "The body must be application/x-www-form-urlencoded.",
    }


def test_empty_scope_counts_as_omitted(oauth_actions):
    """RFC 6749 §3.2: a parameter sent without a value is treated as omitted."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.password_grant(
        "script", secret, "alice", password, scope=""
    )
    assert response.status_code == 200
    assert response.json["scope"] == "public-api"


def test_token_response_is_never_logged(app, oauth_actions, caplog):
    """Authlib logs token responses at DEBUG; idp keeps secrets out of every log."""
    _, password = oauth_actions.operator()
    _, secret = oauth_actions.oauth_client()
    with caplog.at_level("DEBUG"):
        response = oauth_actions.password_grant("script", secret, "alice", password)
    assert response.status_code == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in (
        response.json["access_token"],
        response.json["refresh_token"],
        secret,
        password,
    ):
        assert value not in logged
