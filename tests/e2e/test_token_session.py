"""idp_client.TokenSession, the script-side helper, against the real idp."""

from __future__ import annotations

from idp_client import TokenSession

from .actions import OAuthActions
from .deployment import Deployment
from .deployment import Operator
from .processes import ServerProcess

# A leeway longer than the access token's hour of life makes every call after the
# first refresh, as a token about to expire would.
ALWAYS_REFRESH = 2 * 3600


def session_for(
    idp_server: ServerProcess, deployment: Deployment, operator: Operator
) -> TokenSession:
    script = deployment.script_client
    return TokenSession(
        idp_server.url,
        script.client_id,
        script.secret,
        username=operator.username,
        password=operator.password,
        leeway=ALWAYS_REFRESH,
    )


def test_token_session_logs_in_refreshes_and_calls_the_api(
    idp_server: ServerProcess,
    example_api: ServerProcess,
    deployment: Deployment,
    operator: Operator,
):
    """Password grant on first use, then a refresh that keeps the rotated token."""
    url = f"{example_api.url}/api/dashboard"
    with session_for(idp_server, deployment, operator) as api:
        first = api.get(url, timeout=10)
        logged_in = api.token
        second = api.get(url, timeout=10)
        refreshed = api.token

    assert first.status_code == 200
    assert first.json()["caller"]["username"] == operator.username
    assert second.status_code == 200
    assert refreshed["access_token"] != logged_in["access_token"]
    assert refreshed["refresh_token"] != logged_in["refresh_token"]


def test_token_session_logs_in_again_when_its_login_is_revoked(
    idp_server: ServerProcess,
    example_api: ServerProcess,
    deployment: Deployment,
    oauth: OAuthActions,
    operator: Operator,
):
    """A refresh refused with invalid_grant (RFC 6749 §5.2) makes it log in again."""
    url = f"{example_api.url}/api/dashboard"
    with session_for(idp_server, deployment, operator) as api:
        assert api.get(url, timeout=10).status_code == 200
        revoked = api.token
        assert oauth.revoke(revoked["refresh_token"]).status_code == 200

        response = api.get(url, timeout=10)
        renewed = api.token

    assert response.status_code == 200
    assert renewed["refresh_token"] != revoked["refresh_token"]
