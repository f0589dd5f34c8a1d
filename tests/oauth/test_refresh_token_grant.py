"""The refresh_token grant with rotation and reuse detection (RFC 6749 §6, RFC 9700)."""

from __future__ import annotations

import time

import pytest

from idp.oauth import clients as oauth_clients
from tests.conftest import basic


def test_refresh_returns_new_pair_and_old_refresh_token_stops_working(oauth_actions):
    """RFC 9700 §4.14.2: each refresh rotates the refresh token."""
    login = oauth_actions.login()
    response = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "public-api"
    assert body["refresh_token"] != login["refresh_token"]
    assert body["access_token"] != login["access_token"]
    assert response.headers["Cache-Control"] == "no-store"
    again = oauth_actions.refresh("script", login["secret"], body["refresh_token"])
    assert again.status_code == 200


@pytest.mark.config(REFRESH_GRACE_SECONDS=0)
def test_reused_refresh_token_revokes_its_family(oauth_actions, resource_server):
    """RFC 9700 §4.14.2: a rotated token presented again revokes the whole login."""
    login = oauth_actions.login()
    first = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    second = oauth_actions.refresh(
        "script", login["secret"], first.json["refresh_token"]
    )
    assert second.status_code == 200
    time.sleep(1.1)  # past the (zero) grace window, at whole-second resolution
    reuse = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json == {
        "error": "invalid_grant",
        "error_description": "The refresh token was already used.",
    }
    for token in (
        login["access_token"],
        first.json["access_token"],
        second.json["access_token"],
        second.json["refresh_token"],
    ):
        assert oauth_actions.introspect(resource_server, token).json == {
            "active": False
        }
    latest = oauth_actions.refresh(
        "script", login["secret"], second.json["refresh_token"]
    )
    assert latest.json["error"] == "invalid_grant"
    assert latest.json == {"error": "invalid_grant"}


@pytest.mark.config(REFRESH_GRACE_SECONDS=30)
def test_reuse_within_grace_window_is_refused_without_revoking(
    oauth_actions, resource_server
):
    """A client racing itself is refused but keeps the tokens it already has."""
    login = oauth_actions.login()
    first = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    reuse = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json["error"] == "invalid_grant"
    assert reuse.json == {
        "error": "invalid_grant",
        "error_description": "The refresh token was already used.",
    }
    introspection = oauth_actions.introspect(
        resource_server, first.json["access_token"]
    )
    assert introspection.json["active"] is True
    follow_up = oauth_actions.refresh(
        "script", login["secret"], first.json["refresh_token"]
    )
    assert follow_up.status_code == 200


@pytest.mark.parametrize(
    "refresh_token",
    ["idp_rt_" + "A" * 43, "garbage", "idp_at_" + "A" * 43],
    ids=["unknown", "malformed", "access-token"],
)
def test_unknown_refresh_token_is_invalid_grant(oauth_actions, refresh_token):
    """RFC 6749 §5.2: invalid_grant for a refresh token we did not issue."""
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.refresh("script", secret, refresh_token)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {"error": "invalid_grant"}


def test_refresh_token_of_another_client_is_invalid_grant(oauth_actions):
    """RFC 6749 §6: the refresh token is bound to the client it was issued to."""
    login = oauth_actions.login()
    _, other_secret = oauth_actions.oauth_client("other")
    response = oauth_actions.refresh("other", other_secret, login["refresh_token"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {"error": "invalid_grant"}
    # The failed attempt did not consume the token.
    mine = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert mine.status_code == 200


@pytest.mark.config(REFRESH_GRACE_SECONDS=0)
def test_expired_refresh_token_is_invalid_grant(oauth_actions):
    """A refresh token past its client's refresh lifetime no longer works."""
    login = oauth_actions.login(refresh_token_ttl=1)
    time.sleep(1.1)
    response = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {"error": "invalid_grant"}


def test_refresh_after_operator_loses_access_is_invalid_grant(app, oauth_actions):
    """A deactivated operator's refresh tokens stop working at once."""
    login = oauth_actions.login()
    result = app.test_cli_runner().invoke(
        args=["operator", "set", "alice", "--inactive"]
    )
    assert result.exit_code == 0, result.output
    response = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert response.json == {"error": "invalid_grant"}


def test_refresh_with_wider_scope_is_invalid_scope(oauth_actions):
    """RFC 6749 §6: the scope may not exceed the original grant."""
    login = oauth_actions.login()
    response = oauth_actions.http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": login["refresh_token"],
            "scope": "public-api admin",
        },
        headers=basic("script", login["secret"]),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"
    assert response.json == {
        "error": "invalid_scope",
        "error_description": "The requested scope is invalid, unknown, or malformed.",
    }


def test_client_without_refresh_tokens_cannot_refresh(oauth_actions):
    """RFC 6749 §5.2: unauthorized_client for a grant the client may not use."""
    login = oauth_actions.login()
    with oauth_actions.app.app_context():
        oauth_clients.update_client(
            oauth_clients.get_client("script"), refresh_tokens=False
        )
    response = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert response.status_code == 400
    assert response.json["error"] == "unauthorized_client"
    assert response.json == {
        "error": "unauthorized_client",
        "error_description": "The client is not authorized to use 'grant_type=refresh_token'",
    }
