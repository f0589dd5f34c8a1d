"""GET /oauth/check: a gateway's verdict from the status, introspection's counting."""

from __future__ import annotations

import base64
import json

import pytest

from idp.accounts import operators
from idp.accounts import profiles
from tests.conftest import basic

CHECK = "/oauth/check"


def gateway(client_id: str, secret: str) -> dict[str, str]:
    return {"X-Idp-Client-Authorization": basic(client_id, secret)["Authorization"]}


@pytest.fixture
def gate(oauth_actions) -> dict[str, str]:
    return gateway(*oauth_actions.resource_server())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_token_passes_with_identity_and_ratelimit_headers(
    client, oauth_actions, gate
):
    login = oauth_actions.login()
    response = client.get(CHECK, headers={**gate, **bearer(login["access_token"])})
    assert response.status_code == 200
    assert response.headers["X-Idp-Username"] == "alice"
    assert response.headers["X-Idp-Credential"] == "oauth_access_token"
    assert response.headers["X-Idp-Sub"].isdigit()
    assert "modules" in json.loads(response.headers["X-Idp-Permissions"])
    assert response.headers["RateLimit-Limit"] == "30"
    assert response.headers["RateLimit-Remaining"] == "29"
    assert response.get_data() == b""


def test_check_and_introspection_count_against_one_limit(client, oauth_actions, gate):
    """30 a minute whichever way the resource server asks; the 31st is 429."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server("other-api")
    for _ in range(15):
        assert oauth_actions.introspect(caller, login["access_token"]).json["active"]
    for _ in range(15):
        ok = client.get(CHECK, headers={**gate, **bearer(login["access_token"])})
        assert ok.status_code == 200
    over = client.get(CHECK, headers={**gate, **bearer(login["access_token"])})
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) >= 0
    assert over.headers["RateLimit-Remaining"] == "0"
    assert "X-Idp-Username" not in over.headers


def test_revoked_unknown_or_missing_credentials_get_a_challenge(
    client, oauth_actions, gate
):
    login = oauth_actions.login()
    oauth_actions.revoke("script", login["secret"], login["access_token"])
    for headers in (bearer(login["access_token"]), bearer("idp_at_nothing"), {}):
        response = client.get(CHECK, headers={**gate, **headers})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="idp"')
        assert "X-Idp-Username" not in response.headers
    # A refresh token is no credential for a resource API.
    refresh = client.get(CHECK, headers={**gate, **bearer(login["refresh_token"])})
    assert refresh.status_code == 401


def test_api_accounts_and_keys_pass_as_basic(client, oauth_actions, gate):
    oauth_actions.operator("alice")
    oauth_actions.operator("robot", password=None, kind="api_member")
    for username, secret, kind in (
        (*oauth_actions.api_account("alice"), "api_account"),
        (*oauth_actions.api_key("robot"), "api_key"),
    ):
        pair = base64.b64encode(f"{username}:{secret}".encode()).decode()
        ok = client.get(CHECK, headers={**gate, "Authorization": f"Basic {pair}"})
        assert ok.status_code == 200, kind
        assert ok.headers["X-Idp-Credential"] == kind
        other = "y" if secret.endswith("x") else "x"  # never the secret itself
        wrong = base64.b64encode(f"{username}:{secret[:-1]}{other}".encode()).decode()
        refused = client.get(CHECK, headers={**gate, "Authorization": f"Basic {wrong}"})
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="idp"'


def test_an_operator_that_lost_api_access_is_forbidden_at_once(
    app, client, oauth_actions, gate
):
    login = oauth_actions.login()
    headers = {**gate, **bearer(login["access_token"])}
    assert client.get(CHECK, headers=headers).status_code == 200
    with app.app_context():
        profile = operators.get_operator("alice").profile
        profiles.update_profile(profile, api_access=False)
    refused = client.get(CHECK, headers=headers)
    assert refused.status_code == 403
    assert "X-Idp-Username" not in refused.headers
    # Introspection says inactive, as it always did.
    caller = oauth_actions.resource_server("other-api")
    body = oauth_actions.introspect(caller, login["access_token"]).json
    assert body == {"active": False}


@pytest.mark.parametrize(
    "who", ["missing", "wrong-secret", "not-a-resource-server", "garbage"]
)
def test_the_gateway_itself_must_be_an_introspecting_client(client, oauth_actions, who):
    login = oauth_actions.login()
    _, rs_secret = oauth_actions.oauth_client("rs", may_introspect=True)
    headers = {
        "missing": {},
        "wrong-secret": gateway("rs", rs_secret + "x"),
        "not-a-resource-server": gateway("script", login["secret"]),
        "garbage": {"X-Idp-Client-Authorization": "Basic %%%"},
    }[who]
    response = client.get(CHECK, headers={**headers, **bearer(login["access_token"])})
    if who == "not-a-resource-server":
        assert response.status_code == 403
    else:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="idp gateway"'
    assert "X-Idp-Username" not in response.headers
