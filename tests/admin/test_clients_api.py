"""/api/v1/clients: register, list, show, update, rotate and delete OAuth clients."""

from __future__ import annotations

import json

import pytest

from idp.timeutil import MAX_TTL
from tests.admin.conftest import PASSWORD
from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.admin.conftest import assert_ratelimit_headers
from tests.conftest import basic

CLIENTS = "/api/v1/clients"
SHOWN = {
    "client_id",
    "scope",
    "access_token_ttl",
    "refresh_token_ttl",
    "password_grant",
    "refresh_tokens",
    "introspect",
    "publish_events",
    "created_at",
    "last_used_at",
}


@pytest.fixture
def alice_password(admin_actions) -> str:
    return admin_actions.operator("alice-person")


def test_registered_client_gets_its_secret_once_and_it_gets_a_token(
    client, oauth_actions, clients_admin, alice_password
):
    """The 201 answer carries a generated secret that works at /oauth/token."""
    response = client.post(CLIENTS, json={"client_id": "script"}, headers=clients_admin)

    assert response.status_code == 201
    assert_ratelimit_headers(response)
    body = response.json
    secret = body.pop("client_secret")
    assert secret.startswith("idp_cs_")
    assert set(body) == SHOWN
    assert {k: v for k, v in body.items() if k != "created_at"} == {
        "client_id": "script",
        "scope": "public-api",
        "access_token_ttl": 3600,
        "refresh_token_ttl": 30 * 24 * 3600,
        "password_grant": True,
        "refresh_tokens": True,
        "introspect": False,
        "publish_events": False,
        "last_used_at": None,
    }
    token = oauth_actions.password_grant(
        "script", secret, "alice-person", alice_password
    )
    assert token.status_code == 200, token.json
    assert token.json["access_token"].startswith("idp_at_")


def test_chosen_secret_and_settings_are_kept(client, oauth_actions, clients_admin):
    """An admin-chosen secret works; lifetimes and toggles are stored as given."""
    resource_server = {
        "client_id": "tickets-api",
        "client_secret": "chosen by the admin",
        "access_token_ttl": 600,
        "refresh_token_ttl": 7200,
        "password_grant": False,
        "refresh_tokens": False,
        "introspect": True,
    }
    response = client.post(CLIENTS, json=resource_server, headers=clients_admin)

    assert response.status_code == 201
    assert response.json["client_secret"] == "chosen by the admin"
    assert response.json["access_token_ttl"] == 600
    assert response.json["refresh_token_ttl"] == 7200
    assert response.json["password_grant"] is False
    assert response.json["refresh_tokens"] is False
    assert response.json["introspect"] is True
    unknown = oauth_actions.introspect(
        ("tickets-api", "chosen by the admin"), "idp_pat_unknown"
    )
    assert unknown.status_code == 200
    assert unknown.json == {"active": False}


def test_list_is_paginated_and_never_shows_secrets(
    client, oauth_actions, clients_admin
):
    for name in ("a-client", "b-client", "c-client"):
        oauth_actions.oauth_client(name)

    first = client.get(f"{CLIENTS}?page=1&page_size=2", headers=clients_admin)
    second = client.get(f"{CLIENTS}?page=2&page_size=2", headers=clients_admin)

    assert first.status_code == second.status_code == 200
    assert [c["client_id"] for c in first.json] == ["a-client", "b-client"]
    assert [c["client_id"] for c in second.json] == ["c-client"]
    assert json.loads(first.headers["X-Pagination"])["total"] == 3
    assert json.loads(second.headers["X-Pagination"])["total"] == 3
    for item in first.json + second.json:
        assert set(item) == SHOWN
    assert "idp_cs_" not in first.get_data(as_text=True)
    assert_ratelimit_headers(first)


def test_show_a_client(client, oauth_actions, clients_admin):
    oauth_actions.oauth_client("script", access_token_ttl=900)

    response = client.get(f"{CLIENTS}/script", headers=clients_admin)

    assert response.status_code == 200
    assert set(response.json) == SHOWN
    assert response.json["client_id"] == "script"
    assert response.json["access_token_ttl"] == 900


def test_update_changes_lifetimes_and_grants_of_new_tokens(
    client, oauth_actions, clients_admin, alice_password
):
    """A shorter lifetime and no refresh tokens apply to the next token."""
    _, secret = oauth_actions.oauth_client("script")

    response = client.patch(
        f"{CLIENTS}/script",
        json={"access_token_ttl": 60, "refresh_tokens": False, "introspect": True},
        headers=clients_admin,
    )

    assert response.status_code == 200
    assert response.json["access_token_ttl"] == 60
    assert response.json["refresh_tokens"] is False
    assert response.json["introspect"] is True
    assert response.json["refresh_token_ttl"] == 86400
    token = oauth_actions.password_grant("script", secret, "alice-person", PASSWORD)
    assert token.status_code == 200
    assert token.json["expires_in"] == 60
    assert "refresh_token" not in token.json


def test_rotated_secret_replaces_the_old_one_at_once(
    client, oauth_actions, clients_admin, alice_password
):
    _, old = oauth_actions.oauth_client("script")
    assert (
        oauth_actions.password_grant(
            "script", old, "alice-person", PASSWORD
        ).status_code
        == 200
    )

    response = client.post(f"{CLIENTS}/script/rotate-secret", headers=clients_admin)

    assert response.status_code == 200
    new = response.json["client_secret"]
    assert new.startswith("idp_cs_") and new != old
    refused = oauth_actions.password_grant("script", old, "alice-person", PASSWORD)
    assert refused.status_code == 401
    assert refused.json["error"] == "invalid_client"
    assert (
        oauth_actions.password_grant(
            "script", new, "alice-person", PASSWORD
        ).status_code
        == 200
    )


def test_deleted_client_and_its_tokens_stop_working(
    client, oauth_actions, clients_admin, alice_password
):
    _, secret = oauth_actions.oauth_client("script")
    token = oauth_actions.password_grant(
        "script", secret, "alice-person", PASSWORD
    ).json["access_token"]
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )

    response = client.delete(f"{CLIENTS}/script", headers=clients_admin)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_problem(client.get(f"{CLIENTS}/script", headers=clients_admin), 404)
    gone = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(gone, 401)
    refused = oauth_actions.password_grant("script", secret, "alice-person", PASSWORD)
    assert refused.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/nope"),
        ("patch", "/nope"),
        ("delete", "/nope"),
        ("post", "/nope/rotate-secret"),
    ],
)
def test_unknown_client_is_404(client, clients_admin, method, path):
    kwargs = {"json": {"access_token_ttl": 60}} if method == "patch" else {}

    response = getattr(client, method)(CLIENTS + path, headers=clients_admin, **kwargs)

    body = assert_problem(response, 404)
    assert "nope" in body["detail"]
    assert_ratelimit_headers(response)


def test_duplicate_client_id_is_409(client, oauth_actions, clients_admin):
    _, secret = oauth_actions.oauth_client("script")

    response = client.post(
        CLIENTS,
        json={"client_id": "script", "client_secret": "another"},
        headers=clients_admin,
    )

    assert_problem(response, 409)
    assert secret not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_id": "x", "colour": "blue"}, "colour"),
        ({}, "client_id"),
        ({"client_id": 7}, "client_id"),
        ({"client_id": "has space"}, "client_id"),
        ({"client_id": "has:colon"}, "client_id"),
        ({"client_id": "a/b"}, "client_id"),
        ({"client_id": "a?b#c"}, "client_id"),
        ({"client_id": ".."}, "client_id"),
        ({"client_id": "x", "client_secret": "a+b"}, "client_secret"),
        ({"client_id": "x", "access_token_ttl": "soon"}, "access_token_ttl"),
        ({"client_id": "x", "access_token_ttl": 0}, "access_token_ttl"),
        ({"client_id": "x", "refresh_token_ttl": MAX_TTL + 1}, "refresh_token_ttl"),
        ({"client_id": "x", "password_grant": "maybe"}, "password_grant"),
        ({"client_id": "x", "client_secret": ""}, "client_secret"),
    ],
)
def test_register_validates_input(client, clients_admin, body, field):
    response = client.post(CLIENTS, json=body, headers=clients_admin)

    assert_field_errors(response, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_id": "renamed"}, "client_id"),
        ({"access_token_ttl": -5}, "access_token_ttl"),
        ({"refresh_token_ttl": MAX_TTL + 1}, "refresh_token_ttl"),
        ({"refresh_tokens": [True]}, "refresh_tokens"),
    ],
)
def test_update_validates_input(client, oauth_actions, clients_admin, body, field):
    oauth_actions.oauth_client("script")

    response = client.patch(f"{CLIENTS}/script", json=body, headers=clients_admin)

    assert_field_errors(response, field)


def test_malformed_json_is_400(client, clients_admin):
    response = client.post(
        CLIENTS,
        data='{"client_id": ',
        content_type="application/json",
        headers=clients_admin,
    )

    assert_problem(response, 400)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", CLIENTS, {"client_id": "has space"}),
        ("get", f"{CLIENTS}?page_size=0", None),
        ("patch", f"{CLIENTS}/script", {"access_token_ttl": 0}),
    ],
)
def test_caller_is_authenticated_before_its_input_is_read(
    client, oauth_actions, alice, method, path, body
):
    """Without a credential: 401, not 422; without the right: 403; counted either way."""
    oauth_actions.oauth_client("script")
    kwargs = {"json": body} if body is not None else {}

    anonymous = getattr(client, method)(path, **kwargs)
    forbidden = getattr(client, method)(path, headers=alice, **kwargs)

    assert_problem(anonymous, 401)
    assert_problem(forbidden, 403)
    assert_ratelimit_headers(forbidden)


def test_a_clients_basic_pair_is_not_a_bearer_credential(client, oauth_actions):
    """The admin API takes bearer credentials only: a client's Basic pair is 401."""
    _, secret = oauth_actions.oauth_client("script")

    response = client.get(CLIENTS, headers=basic("script", secret))

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_nul_in_a_client_id_is_422(client, clients_admin):
    response = client.post(CLIENTS, json={"client_id": "a\x00b"}, headers=clients_admin)

    assert_field_errors(response, "client_id")


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_nul_in_the_path_is_404(client, clients_admin, method):
    kwargs = {"json": {"access_token_ttl": 60}} if method == "patch" else {}

    response = getattr(client, method)(
        f"{CLIENTS}/a%00b", headers=clients_admin, **kwargs
    )

    assert_problem(response, 404)
