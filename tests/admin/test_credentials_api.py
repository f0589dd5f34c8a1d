"""Personal access tokens, API accounts and API keys under /operators/<username>/ and /me/."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from idp.timeutil import MAX_TTL
from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.admin.conftest import assert_ratelimit_headers
from tests.admin.conftest import bearer

MY_TOKENS = "/api/v1/me/personal-access-tokens"
MY_ACCOUNTS = "/api/v1/me/api-accounts"
OPERATORS = "/api/v1/operators"
TOKEN_SHOWN = {"id", "name", "hint", "created_at", "expires_at", "last_used_at"}
ACCOUNT_SHOWN = {"username", "created_at", "last_used_at"}
KEY_SHOWN = {"public_key", "description", "created_at", "last_used_at"}


@pytest.fixture
def robot(admin_actions) -> str:
    """An API member: it holds API keys and nothing else."""
    admin_actions.operator("robot", kind="api_member")
    return "robot"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# -- personal access tokens ----------------------------------------------------


def test_created_token_is_shown_once_and_authenticates(client, alice):
    response = client.post(MY_TOKENS, json={"name": "laptop"}, headers=alice)

    assert response.status_code == 201
    assert_ratelimit_headers(response)
    body = response.json
    token = body.pop("token")
    assert token.startswith("idp_pat_")
    assert set(body) == TOKEN_SHOWN
    assert body["name"] == "laptop"
    assert body["expires_at"] is None
    assert body["last_used_at"] is None
    assert body["hint"] == f"{token[:12]}...{token[-4:]}"
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json["username"] == "alice"


def test_token_with_an_expiry(client, alice):
    before = dt.datetime.now(dt.UTC)

    response = client.post(
        MY_TOKENS, json={"name": "ci", "expires_in": 3600}, headers=alice
    )

    assert response.status_code == 201
    expires_at = _utc(response.json["expires_at"])
    assert expires_at.tzinfo is not None
    delta = expires_at - before
    assert dt.timedelta(minutes=59) < delta <= dt.timedelta(minutes=61)


def test_token_list_is_paginated_and_never_shows_a_token(client, admin_actions, alice):
    secrets = [admin_actions.oauth.pat("alice", name=f"t{n}")[1] for n in range(3)]

    everything = client.get(MY_TOKENS, headers=alice)
    page = client.get(f"{MY_TOKENS}?page=2&page_size=2", headers=alice)

    assert everything.status_code == page.status_code == 200
    assert_ratelimit_headers(everything)
    # The fixture's own token plus three; newest first.
    assert [t["name"] for t in everything.json] == ["t2", "t1", "t0", "ci"]
    assert json.loads(everything.headers["X-Pagination"])["total"] == 4
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert [t["name"] for t in page.json] == ["t0", "ci"]
    for item in everything.json:
        assert set(item) == TOKEN_SHOWN
    text = everything.get_data(as_text=True)
    for secret in secrets + [alice["Authorization"].split()[1]]:
        assert secret not in text
    assert everything.json[-1]["last_used_at"] is not None  # the caller's own


def test_revoked_token_is_refused_at_once(client, admin_actions, alice):
    token_id, secret = admin_actions.oauth.pat("alice", name="old")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    response = client.delete(f"{MY_TOKENS}/{token_id}", headers=alice)

    assert response.status_code == 204
    assert_ratelimit_headers(response)
    refused = client.get("/api/v1/me", headers=bearer(secret))
    assert_problem(refused, 401)
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    listed = client.get(MY_TOKENS, headers=alice).json
    assert token_id not in [t["id"] for t in listed]
    assert_problem(client.delete(f"{MY_TOKENS}/{token_id}", headers=alice), 404)


def test_a_token_can_revoke_itself(client, admin_actions):
    admin_actions.operator("carol")
    token_id, secret = admin_actions.oauth.pat("carol")

    response = client.delete(f"{MY_TOKENS}/{token_id}", headers=bearer(secret))

    assert response.status_code == 204
    assert_problem(client.get(MY_TOKENS, headers=bearer(secret)), 401)


def test_admin_lists_and_revokes_another_operators_token(
    client, admin_actions, users_admin, resource_server, oauth_actions
):
    admin_actions.operator("carol")
    token_id, secret = admin_actions.oauth.pat("carol")

    listed = client.get(
        f"{OPERATORS}/carol/personal-access-tokens", headers=users_admin
    )
    revoked = client.delete(
        f"{OPERATORS}/carol/personal-access-tokens/{token_id}", headers=users_admin
    )

    assert listed.status_code == 200
    assert [t["id"] for t in listed.json] == [token_id]
    assert revoked.status_code == 204
    assert oauth_actions.introspect(resource_server, secret).json == {"active": False}


def test_nobody_creates_a_token_for_someone_else(client, admin_actions, users_admin):
    admin_actions.operator("carol")

    response = client.post(
        f"{OPERATORS}/carol/personal-access-tokens",
        json={"name": "for carol"},
        headers=users_admin,
    )

    assert_problem(response, 403)


def test_only_the_owner_revokes_the_owners_tokens(
    client, admin_actions, owner, users_admin
):
    token_id, secret = admin_actions.oauth.pat("owner", name="spare")
    path = f"{OPERATORS}/owner/personal-access-tokens/{token_id}"

    refused = client.delete(path, headers=users_admin)

    assert_problem(refused, 403)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert client.delete(path, headers=owner).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=bearer(secret)), 401)


def test_plain_operator_cannot_touch_another_operators_tokens(
    client, admin_actions, alice
):
    admin_actions.operator("carol")
    token_id, _ = admin_actions.oauth.pat("carol")

    listed = client.get(f"{OPERATORS}/carol/personal-access-tokens", headers=alice)
    revoked = client.delete(
        f"{OPERATORS}/carol/personal-access-tokens/{token_id}", headers=alice
    )

    assert_problem(listed, 403)
    assert_problem(revoked, 403)


@pytest.mark.parametrize(
    "path",
    [
        f"{OPERATORS}/nobody/personal-access-tokens",
        f"{OPERATORS}/nobody/api-accounts",
        f"{OPERATORS}/nobody/api-keys",
    ],
)
def test_unknown_operator_is_404(client, owner, path):
    assert_problem(client.get(path, headers=owner), 404)


@pytest.mark.parametrize(
    ("method", "kind"),
    [
        ("get", "personal-access-tokens"),
        ("post", "api-accounts"),
        ("get", "api-keys"),
        ("delete", "api-accounts/idp_aa_x"),
    ],
)
def test_a_plain_operator_cannot_tell_who_exists(
    client, admin_actions, alice, method, kind
):
    """Only admins act on others, so only they learn 404 from 403."""
    admin_actions.operator("carol")

    real = client.open(f"{OPERATORS}/carol/{kind}", method=method, headers=alice)
    unknown = client.open(f"{OPERATORS}/nobody/{kind}", method=method, headers=alice)

    assert_problem(real, 403)
    assert_problem(unknown, 403)
    assert real.json["detail"] == unknown.json["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "ci", "scope": "all"}, "scope"),
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ci", "expires_in": 0}, "expires_in"),
        ({"name": "ci", "expires_in": -60}, "expires_in"),
        ({"name": "ci", "expires_in": MAX_TTL + 1}, "expires_in"),
        ({"name": "ci", "expires_in": "tomorrow"}, "expires_in"),
    ],
)
def test_create_token_validates_input(client, alice, body, field):
    response = client.post(MY_TOKENS, json=body, headers=alice)

    assert_field_errors(response, field)
    assert_ratelimit_headers(response)


@pytest.mark.parametrize("path", [MY_TOKENS, f"{OPERATORS}/robot/api-keys"])
def test_malformed_json_is_400(client, owner, robot, path):
    response = client.post(
        path,
        data="{'single': 'quotes'}",
        content_type="application/json",
        headers=owner,
    )

    assert_problem(response, 400)


def test_an_api_members_token_list_is_empty(client, owner, robot):
    """API members authenticate with API keys only (DESIGN.md)."""
    response = client.get(f"{OPERATORS}/robot/personal-access-tokens", headers=owner)

    assert response.status_code == 200
    assert response.json == []


# -- API accounts --------------------------------------------------------------


def test_created_api_account_is_shown_once_and_introspects_active(
    client, alice, oauth_actions, resource_server
):
    response = client.post(MY_ACCOUNTS, headers=alice)

    assert response.status_code == 201
    assert_ratelimit_headers(response)
    body = response.json
    password = body.pop("password")
    assert body["username"].startswith("idp_aa_")
    assert password.startswith("idp_aap_")
    assert set(body) == ACCOUNT_SHOWN
    assert body["last_used_at"] is None
    answer = oauth_actions.introspect(
        resource_server, f"{body['username']}:{password}"
    ).json
    assert answer["active"] is True
    assert answer["credential"] == "api_account"
    assert answer["username"] == "alice"


def test_api_account_list_is_paginated_and_never_shows_a_password(
    client, admin_actions, alice
):
    pairs = [admin_actions.oauth.api_account("alice") for _ in range(3)]

    everything = client.get(MY_ACCOUNTS, headers=alice)
    page = client.get(f"{MY_ACCOUNTS}?page=1&page_size=1", headers=alice)

    assert everything.status_code == page.status_code == 200
    assert [a["username"] for a in everything.json] == [u for u, _ in pairs][::-1]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert [a["username"] for a in page.json] == [pairs[-1][0]]
    for item in everything.json:
        assert set(item) == ACCOUNT_SHOWN
    for _, password in pairs:
        assert password not in everything.get_data(as_text=True)


def test_deleted_api_account_stops_at_once(
    client, admin_actions, alice, oauth_actions, resource_server
):
    username, password = admin_actions.oauth.api_account("alice")

    response = client.delete(f"{MY_ACCOUNTS}/{username}", headers=alice)

    assert response.status_code == 204
    answer = oauth_actions.introspect(resource_server, f"{username}:{password}")
    assert answer.json == {"active": False}
    assert_problem(client.delete(f"{MY_ACCOUNTS}/{username}", headers=alice), 404)


def test_admin_creates_and_deletes_another_operators_api_account(
    client, admin_actions, users_admin, oauth_actions, resource_server
):
    admin_actions.operator("carol")

    created = client.post(f"{OPERATORS}/carol/api-accounts", headers=users_admin)
    pair = f"{created.json['username']}:{created.json['password']}"
    listed = client.get(f"{OPERATORS}/carol/api-accounts", headers=users_admin)
    deleted = client.delete(
        f"{OPERATORS}/carol/api-accounts/{created.json['username']}",
        headers=users_admin,
    )

    assert created.status_code == 201
    assert [a["username"] for a in listed.json] == [created.json["username"]]
    assert deleted.status_code == 204
    assert oauth_actions.introspect(resource_server, pair).json == {"active": False}


def test_only_the_owner_deletes_the_owners_api_account(
    client, admin_actions, owner, users_admin
):
    username, _ = admin_actions.oauth.api_account("owner")
    path = f"{OPERATORS}/owner/api-accounts/{username}"

    assert_problem(client.delete(path, headers=users_admin), 403)
    assert_problem(
        client.post(f"{OPERATORS}/owner/api-accounts", headers=users_admin), 403
    )
    assert client.delete(path, headers=owner).status_code == 204


def test_unknown_api_account_is_404(client, alice):
    response = client.delete(f"{MY_ACCOUNTS}/idp_aa_0000000000000000", headers=alice)

    assert_problem(response, 404)


def test_an_api_account_pair_is_not_a_bearer_credential(client, admin_actions, alice):
    username, password = admin_actions.oauth.api_account("alice")

    response = client.get("/api/v1/me", headers=bearer(f"{username}:{password}"))

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- API keys ------------------------------------------------------------------


def test_created_api_key_is_shown_once_and_introspects_active(
    client, users_admin, robot, oauth_actions, resource_server
):
    response = client.post(
        f"{OPERATORS}/robot/api-keys",
        json={"description": "nightly"},
        headers=users_admin,
    )

    assert response.status_code == 201
    assert_ratelimit_headers(response)
    body = response.json
    private_key = body.pop("private_key")
    assert private_key.startswith("idp_sk_")
    assert body["public_key"].startswith("idp_pk_")
    assert set(body) == KEY_SHOWN
    assert body["description"] == "nightly"
    answer = oauth_actions.introspect(
        resource_server, f"{body['public_key']}:{private_key}"
    ).json
    assert answer["active"] is True
    assert answer["credential"] == "api_key"
    assert answer["username"] == "robot"


def test_api_key_without_a_body_gets_an_empty_description(client, owner, robot):
    response = client.post(f"{OPERATORS}/robot/api-keys", json={}, headers=owner)

    assert response.status_code == 201
    assert response.json["description"] == ""


def test_api_key_list_is_paginated_and_never_shows_a_private_key(
    client, admin_actions, owner, robot
):
    pairs = [admin_actions.oauth.api_key("robot") for _ in range(3)]

    everything = client.get(f"{OPERATORS}/robot/api-keys", headers=owner)
    page = client.get(f"{OPERATORS}/robot/api-keys?page=3&page_size=1", headers=owner)

    assert everything.status_code == page.status_code == 200
    assert [k["public_key"] for k in everything.json] == [p for p, _ in pairs][::-1]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert [k["public_key"] for k in page.json] == [pairs[0][0]]
    for item in everything.json:
        assert set(item) == KEY_SHOWN
    for _, private_key in pairs:
        assert private_key not in everything.get_data(as_text=True)


def test_revoked_api_key_stops_at_once(
    client, admin_actions, owner, robot, oauth_actions, resource_server
):
    public_key, private_key = admin_actions.oauth.api_key("robot")

    response = client.delete(f"{OPERATORS}/robot/api-keys/{public_key}", headers=owner)

    assert response.status_code == 204
    answer = oauth_actions.introspect(resource_server, f"{public_key}:{private_key}")
    assert answer.json == {"active": False}
    listed = client.get(f"{OPERATORS}/robot/api-keys", headers=owner).json
    assert listed == []
    again = client.delete(f"{OPERATORS}/robot/api-keys/{public_key}", headers=owner)
    assert_problem(again, 404)


def test_api_keys_are_an_admins_job(client, admin_actions, alice, robot):
    public_key, _ = admin_actions.oauth.api_key("robot")

    assert_problem(client.get(f"{OPERATORS}/robot/api-keys", headers=alice), 403)
    assert_problem(
        client.post(f"{OPERATORS}/robot/api-keys", json={}, headers=alice), 403
    )
    assert_problem(
        client.delete(f"{OPERATORS}/robot/api-keys/{public_key}", headers=alice), 403
    )


def test_a_person_gets_no_api_key(client, admin_actions, owner):
    admin_actions.operator("carol")

    response = client.post(f"{OPERATORS}/carol/api-keys", json={}, headers=owner)

    body = assert_problem(response, 422)
    assert "API members" in body["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "x", "owner": "me"}, "owner"),
        ({"description": 5}, "description"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_create_api_key_validates_input(client, owner, robot, body, field):
    response = client.post(f"{OPERATORS}/robot/api-keys", json=body, headers=owner)

    assert_field_errors(response, field)


def test_an_api_key_pair_is_not_a_bearer_credential(client, admin_actions, robot):
    public_key, private_key = admin_actions.oauth.api_key("robot")

    response = client.get("/api/v1/me", headers=bearer(f"{public_key}:{private_key}"))

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_ids_are_404(client, alice):
    """An id that names no token of the caller is 404, not 403 or 500."""
    for token_id in (0, 424242):
        response = client.delete(f"{MY_TOKENS}/{token_id}", headers=alice)
        assert_problem(response, 404)


def test_an_id_beyond_the_database_integers_is_404(client, alice):
    response = client.delete(f"{MY_TOKENS}/{2**64}", headers=alice)

    assert_problem(response, 404)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (MY_TOKENS, {"name": "a\x00b"}, "name"),
        (f"{OPERATORS}/robot/api-keys", {"description": "a\x00b"}, "description"),
    ],
)
def test_nul_in_a_body_string_is_422(client, owner, robot, path, body, field):
    response = client.post(path, json=body, headers=owner)

    assert_field_errors(response, field)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", f"{MY_ACCOUNTS}/idp_aa_%00"),
        ("get", f"{OPERATORS}/a%00b/api-keys"),
        ("delete", f"{OPERATORS}/robot/api-keys/idp_pk_%00"),
    ],
)
def test_nul_in_the_path_is_404(client, owner, robot, method, path):

    response = getattr(client, method)(path, headers=owner)

    assert_problem(response, 404)
