"""Token revocation (RFC 7009)."""

from __future__ import annotations

import pytest

from tests.conftest import basic

pytestmark = pytest.mark.redis_cluster


def test_revoking_access_token_leaves_refresh_token(oauth_actions, resource_server):
    """RFC 7009 §2.1: the access token stops; its login can still refresh."""
    login = oauth_actions.login()
    response = oauth_actions.revoke("script", login["secret"], login["access_token"])
    assert response.status_code == 200
    assert response.json == {}
    assert response.headers["Cache-Control"] == "no-store"
    assert oauth_actions.introspect(resource_server, login["access_token"]).json == {
        "active": False
    }
    refreshed = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert refreshed.status_code == 200


def test_revoking_refresh_token_revokes_its_family(oauth_actions, resource_server):
    """RFC 7009 §2.1: revoking a refresh token also revokes its access tokens."""
    login = oauth_actions.login()
    rotated = oauth_actions.refresh(
        "script", login["secret"], login["refresh_token"]
    ).json
    other_login = oauth_actions.password_grant(
        "script", login["secret"], "alice", "correct horse"
    ).json
    response = oauth_actions.revoke("script", login["secret"], rotated["refresh_token"])
    assert response.status_code == 200
    assert response.json == {}
    for token in (
        login["access_token"],
        rotated["access_token"],
        rotated["refresh_token"],
    ):
        assert oauth_actions.introspect(resource_server, token).json == {
            "active": False
        }
    # Another login of the same operator is untouched.
    other = oauth_actions.introspect(resource_server, other_login["access_token"])
    assert other.json["active"] is True


@pytest.mark.parametrize(
    "token", ["idp_at_" + "C" * 43, "idp_rt_" + "C" * 43, "garbage"]
)
def test_unknown_token_still_answers_200(oauth_actions, token):
    """RFC 7009 §2.2: invalid tokens do not cause an error response."""
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.revoke("script", secret, token)
    assert response.status_code == 200
    assert response.json == {}


def test_revoking_twice_answers_200(oauth_actions):
    """RFC 7009 §2.2: an already revoked token is answered like any other."""
    login = oauth_actions.login()
    for _ in range(2):
        response = oauth_actions.revoke(
            "script", login["secret"], login["refresh_token"]
        )
        assert response.status_code == 200
        assert response.json == {}


def test_token_of_another_client_is_refused(oauth_actions, resource_server):
    """RFC 7009 §2.1: a client may revoke only the tokens issued to it."""
    login = oauth_actions.login()
    _, other_secret = oauth_actions.oauth_client("other")
    response = oauth_actions.revoke("other", other_secret, login["access_token"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {
        "error": "invalid_grant",
        "error_description": "The token was issued to another client.",
    }
    assert oauth_actions.introspect(resource_server, login["access_token"]).json[
        "active"
    ]


def test_revocation_requires_client_authentication(oauth_actions):
    """RFC 7009 §2.1: the client authenticates; a failure is 401 invalid_client."""
    login = oauth_actions.login()
    response = oauth_actions.revoke("script", "wrong", login["access_token"])
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert response.json == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
    }
    assert "WWW-Authenticate" in response.headers


def test_missing_token_is_invalid_request(oauth_actions):
    """RFC 7009 §2.1: token is REQUIRED."""
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.http.post(
        "/oauth/revoke", data={}, headers=basic("script", secret)
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json == {
        "error": "invalid_request",
        "error_description": "The body must be application/x-www-form-urlencoded.",
    }


def test_unsupported_hint_is_ignored(oauth_actions, resource_server):
    """RFC 7009 §2.1: the server MAY ignore the hint; it finds the token anyway."""
    login = oauth_actions.login()
    response = oauth_actions.revoke(
        "script",
        login["secret"],
        login["access_token"],
        token_type_hint="refresh_token",
    )
    assert response.status_code == 200
    assert response.json == {}
    assert oauth_actions.introspect(resource_server, login["access_token"]).json == {
        "active": False
    }


@pytest.mark.parametrize("endpoint", ["/oauth/introspect", "/oauth/revoke"])
def test_a_repeated_token_is_invalid_request(oauth_actions, endpoint):
    """RFC 6749 §3.2 holds for RFC 7662 and RFC 7009 requests too: which one?"""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    response = oauth_actions.http.post(
        endpoint,
        data=f"token=unknown&token={login['access_token']}",
        headers={**basic(*caller), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json == {
        "error": "invalid_request",
        "error_description": "Parameter 'token' is repeated.",
    }


@pytest.mark.parametrize("endpoint", ["/oauth/introspect", "/oauth/revoke"])
def test_a_json_body_is_invalid_request(oauth_actions, endpoint):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    response = oauth_actions.http.post(
        endpoint, json={"token": login["access_token"]}, headers=basic(*caller)
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json == {
        "error": "invalid_request",
        "error_description": "The body must be application/x-www-form-urlencoded.",
    }


def test_credentials_of_operators_are_unsupported_here(oauth_actions, admin_pat):
    """RFC 7009 §2.2.1: no client was issued a PAT, an API account or an API key;
    the answer says so rather than a 200 that would leave the token working."""
    pat, pair = admin_pat
    caller = oauth_actions.resource_server()
    for token in (pat, pair):
        response = oauth_actions.revoke(*caller, token)
        assert response.status_code == 400, (response.json, response.headers)
        assert response.json["error"] == "unsupported_token_type"
        assert response.json == {
            "error": "unsupported_token_type",
            "error_description": "Revoke personal access tokens, API accounts and API keys through /api/v1 or the idp command.",
        }
        assert oauth_actions.introspect(caller, token).json["active"] is True


@pytest.fixture
def admin_pat(app, oauth_actions) -> tuple[str, str]:
    """A personal access token and an API account pair of alice."""
    from idp.accounts import operators
    from idp.credentials import services as credentials

    oauth_actions.operator()
    with app.app_context():
        alice = operators.get_operator("alice")
        _, pat = credentials.issue_personal_access_token(None, alice, name="ci")
        account, password = credentials.create_api_account(None, alice)
        return pat, f"{account.username}:{password}"
