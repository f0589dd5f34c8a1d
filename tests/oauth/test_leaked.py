"""POST /oauth/leaked: reported secrets stop working at once, and the answer says nothing."""

from __future__ import annotations

import pytest

from idp.security import SecretKind
from idp.security import generate_secret
from tests.webhooks.conftest import events

LEAKED = "/oauth/leaked"


def test_every_kind_of_reported_secret_stops_working_and_its_owner_is_told(
    app, client, oauth_actions
):
    login = oauth_actions.login()
    oauth_actions.operator("robot", password=None, kind="api_member")
    _, pat = oauth_actions.pat("alice")
    account, password = oauth_actions.api_account("alice")
    public, private = oauth_actions.api_key("robot")
    other = oauth_actions.password_grant(
        "script", login["secret"], "alice", "correct horse"
    ).json
    caller = oauth_actions.resource_server()
    live = {
        "access token": login["access_token"],
        "refresh token's login": other["access_token"],
        "pat": pat,
        "api account": f"{account}:{password}",
        "api key": f"{public}:{private}",
    }
    for name, credential in live.items():
        assert oauth_actions.introspect(caller, credential).json["active"], name

    report = [
        login["access_token"],
        {"token": other["refresh_token"], "type": "idp_refresh_token", "url": "x"},
        f"found in a gist: {pat}".split(": ")[1],
        password,  # the password alone: found by its digest
        f"{public}:{private}",
        "idp_at_not-a-token",
        generate_secret(SecretKind.PERSONAL_ACCESS_TOKEN),  # well-formed, never issued
    ]
    response = client.post(LEAKED, json=report)
    assert response.status_code == 202
    assert response.json == {"received": 7}

    for name, credential in live.items():
        assert oauth_actions.introspect(caller, credential).json == {"active": False}, (
            name
        )
    refreshed = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert refreshed.status_code == 400  # the whole login went
    leaked = [data["kind"] for _, data in events(app, "credential.leaked")]
    assert sorted(leaked) == sorted(
        [
            "oauth_login",
            "oauth_login",
            "personal_access_token",
            "api_account",
            "api_key",
        ]
    )


def test_the_answer_is_the_same_whether_anything_was_live(client, oauth_actions):
    """Nothing tells a reporter which strings were real."""
    oauth_actions.operator("alice")
    _, pat = oauth_actions.pat("alice")
    invented = generate_secret(SecretKind.PERSONAL_ACCESS_TOKEN)
    live = client.post(LEAKED, json=[pat, invented])
    dead = client.post(LEAKED, json=[invented, invented])
    again = client.post(LEAKED, json=[pat, invented])  # already revoked now
    assert (live.status_code, live.json) == (dead.status_code, dead.json)
    assert (again.status_code, again.json) == (dead.status_code, dead.json)
    # Every header alike but the request's own ID.
    assert {h for h in live.headers if h[0] != "X-Request-Id"} == {
        h for h in dead.headers if h[0] != "X-Request-Id"
    }


@pytest.mark.parametrize(
    "body",
    [
        {"token": "x"},
        [],
        [42],
        [{"url": "no token"}],
        ["x" * 1001],
        ["idp_at_x"] * 1001,
        "idp_at_x",
    ],
    ids=["object", "empty", "number", "no-token", "too-long", "too-many", "string"],
)
def test_a_malformed_report_is_a_400(client, body):
    response = client.post(LEAKED, json=body)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_not_json_is_a_400(client):
    response = client.post(LEAKED, data="idp_at_x", content_type="text/plain")
    assert response.status_code == 400


@pytest.mark.config(LEAK_REPORT_LIMIT="3/minute")
def test_reports_are_limited_per_source_address(client):
    for _ in range(3):
        assert client.post(LEAKED, json=["idp_at_x"]).status_code == 202
    refused = client.post(LEAKED, json=["idp_at_x"])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    other = client.post(
        LEAKED, json=["idp_at_x"], environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 202
