"""/api/v1/profiles, /api/v1/operators and /api/v1/me over HTTP."""

from __future__ import annotations

import json

import pytest

from tests.admin.conftest import PASSWORD
from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.admin.conftest import assert_ratelimit_headers
from tests.admin.conftest import bearer

PROFILES = "/api/v1/profiles"
OPERATORS = "/api/v1/operators"
CLIENTS = "/api/v1/clients"
NONE = {"add": "none", "edit": "none", "delete": "none", "inquire": "none"}
OPERATOR_SHOWN = {
    "id",
    "username",
    "kind",
    "owner",
    "active",
    "profile",
    "rate_limit",
    "created_at",
}

# -- profiles ----------------------------------------------------------------


@pytest.mark.config(MODULES=["tickets", "companies"])
def test_create_profile_starts_every_module_at_none(client, owner):
    response = client.post(
        PROFILES,
        json={
            "name": "support",
            "manage_clients": True,
            "modules": {"tickets": {"inquire": "all", "edit": "own"}},
        },
        headers=owner,
    )

    assert response.status_code == 201
    assert_ratelimit_headers(response)
    body = response.json
    assert body.pop("created_at")
    assert body == {
        "name": "support",
        "api_access": True,
        "manage_users": False,
        "manage_clients": True,
        "modules": {
            "tickets": {**NONE, "inquire": "all", "edit": "own"},
            "companies": NONE,
        },
    }


def test_profiles_are_listed_shown_and_paginated(client, admin_actions, users_admin):
    for name in ("a-role", "b-role"):
        client.post(PROFILES, json={"name": name}, headers=users_admin)

    everything = client.get(PROFILES, headers=users_admin)
    page = client.get(f"{PROFILES}?page=2&page_size=1", headers=users_admin)
    shown = client.get(f"{PROFILES}/b-role", headers=users_admin)

    assert everything.status_code == page.status_code == shown.status_code == 200
    names = [profile["name"] for profile in everything.json]
    assert {"a-role", "b-role"} <= set(names)
    total = json.loads(everything.headers["X-Pagination"])["total"]
    assert total == len(names)
    assert json.loads(page.headers["X-Pagination"])["total"] == total
    assert [profile["name"] for profile in page.json] == names[1:2]
    assert shown.json["name"] == "b-role"
    assert shown.json["manage_users"] is False


@pytest.mark.config(MODULES=["tickets"])
def test_update_profile_changes_rights_and_levels(client, owner):
    client.post(PROFILES, json={"name": "support"}, headers=owner)

    response = client.patch(
        f"{PROFILES}/support",
        json={"manage_users": True, "modules": {"tickets": {"delete": "all"}}},
        headers=owner,
    )

    assert response.status_code == 200
    assert response.json["manage_users"] is True
    assert response.json["api_access"] is True
    assert response.json["modules"] == {"tickets": {**NONE, "delete": "all"}}


def test_removing_api_access_stops_the_profiles_tokens_at_once(
    client, admin_actions, users_admin
):
    """A profile change is seen by the next request of its operators."""
    client.post(PROFILES, json={"name": "contractors"}, headers=users_admin)
    client.post(
        OPERATORS,
        json={"username": "carol", "profile": "contractors", "password": PASSWORD},
        headers=users_admin,
    )
    carol = bearer(admin_actions.oauth.pat("carol")[1])
    assert client.get("/api/v1/me", headers=carol).status_code == 200

    client.patch(
        f"{PROFILES}/contractors", json={"api_access": False}, headers=users_admin
    )

    assert_problem(client.get("/api/v1/me", headers=carol), 401)


@pytest.mark.parametrize("method", ["get", "patch"])
def test_unknown_profile_is_404(client, users_admin, method):
    kwargs = {"json": {"manage_users": True}} if method == "patch" else {}

    response = getattr(client, method)(
        f"{PROFILES}/nope", headers=users_admin, **kwargs
    )

    assert_problem(response, 404)


def test_duplicate_profile_is_409(client, users_admin):
    client.post(PROFILES, json={"name": "support"}, headers=users_admin)

    response = client.post(PROFILES, json={"name": "support"}, headers=users_admin)

    assert_problem(response, 409)
    assert_ratelimit_headers(response)


@pytest.mark.config(MODULES=["tickets"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "colour": "blue"}, "colour"),
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "manage_users": "maybe"}, "manage_users"),
        ({"name": "x", "modules": {"tickets": {"add": "some"}}}, "modules"),
        ({"name": "x", "modules": {"tickets": {"approve": "all"}}}, "modules"),
        ({"name": "x", "modules": {"tickets": "all"}}, "modules"),
        ({"name": "x", "modules": {"payroll": {"add": "all"}}}, "modules"),
    ],
)
def test_create_profile_validates_input(client, users_admin, body, field):
    response = client.post(PROFILES, json=body, headers=users_admin)

    assert_field_errors(response, field)


@pytest.mark.config(MODULES=["tickets"])
def test_undeclared_module_is_422_and_changes_nothing(client, users_admin):
    """The answer names the field, and nothing of the request is kept."""
    client.post(PROFILES, json={"name": "support"}, headers=users_admin)

    response = client.patch(
        f"{PROFILES}/support",
        json={"manage_users": True, "modules": {"payroll": {"add": "all"}}},
        headers=users_admin,
    )

    body = assert_problem(response, 422)
    assert "payroll" in body["detail"]
    shown = client.get(f"{PROFILES}/support", headers=users_admin).json
    assert shown["manage_users"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "renamed"}, "name"),
        ({"api_access": "maybe"}, "api_access"),
        ({"modules": []}, "modules"),
    ],
)
def test_update_profile_validates_input(client, users_admin, body, field):
    client.post(PROFILES, json={"name": "support"}, headers=users_admin)

    response = client.patch(f"{PROFILES}/support", json=body, headers=users_admin)

    assert_field_errors(response, field)


@pytest.mark.parametrize("path", [PROFILES, OPERATORS])
def test_malformed_json_is_400(client, users_admin, path):
    response = client.post(
        path, data="{not json", content_type="application/json", headers=users_admin
    )

    assert_problem(response, 400)


# -- operators ---------------------------------------------------------------


def test_create_operator_shows_a_generated_password_once(
    client, oauth_actions, users_admin
):
    """The generated password is in the 201 answer, works, and is never listed."""
    client.post(PROFILES, json={"name": "staff"}, headers=users_admin)

    response = client.post(
        OPERATORS, json={"username": "dave", "profile": "staff"}, headers=users_admin
    )

    assert response.status_code == 201
    body = response.json
    password = body.pop("password")
    assert password.startswith("idp_pw_")
    assert body.pop("created_at")
    assert isinstance(body.pop("id"), int)
    assert body == {
        "username": "dave",
        "kind": "person",
        "owner": False,
        "active": True,
        "profile": "staff",
        "rate_limit": None,
    }
    _, secret = oauth_actions.oauth_client("script")
    token = oauth_actions.password_grant("script", secret, "dave", password)
    assert token.status_code == 200
    shown = client.get(f"{OPERATORS}/dave", headers=users_admin)
    assert set(shown.json) == OPERATOR_SHOWN
    assert password not in shown.get_data(as_text=True)


def test_chosen_password_is_never_echoed(client, users_admin):
    client.post(PROFILES, json={"name": "staff"}, headers=users_admin)

    response = client.post(
        OPERATORS,
        json={"username": "erin", "profile": "staff", "password": "erin's own"},
        headers=users_admin,
    )

    assert response.status_code == 201
    assert response.json["password"] is None
    assert "erin's own" not in response.get_data(as_text=True)


def test_create_api_member_has_no_password(client, users_admin):
    client.post(PROFILES, json={"name": "robots"}, headers=users_admin)

    response = client.post(
        OPERATORS,
        json={
            "username": "sync-bot",
            "profile": "robots",
            "kind": "api_member",
            "rate_limit": "120/minute",
        },
        headers=users_admin,
    )

    assert response.status_code == 201
    assert response.json["kind"] == "api_member"
    assert response.json["password"] is None
    assert response.json["rate_limit"] == "120/minute"


def test_operators_are_listed_and_paginated(client, admin_actions, users_admin):
    for username in ("op-a", "op-b", "op-c"):
        admin_actions.operator(username)

    everything = client.get(OPERATORS, headers=users_admin)
    page = client.get(f"{OPERATORS}?page=1&page_size=2", headers=users_admin)

    assert everything.status_code == page.status_code == 200
    usernames = [operator["username"] for operator in everything.json]
    assert usernames == sorted(["op-a", "op-b", "op-c", "users-admin"])
    assert json.loads(everything.headers["X-Pagination"])["total"] == 4
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert [operator["username"] for operator in page.json] == usernames[:2]
    for operator in everything.json:
        assert set(operator) == OPERATOR_SHOWN


def test_deactivated_operator_is_refused_at_once(client, admin_actions, users_admin):
    carol = admin_actions.login("carol")
    assert client.get("/api/v1/me", headers=carol).status_code == 200

    response = client.patch(
        f"{OPERATORS}/carol", json={"active": False}, headers=users_admin
    )

    assert response.status_code == 200
    assert response.json["active"] is False
    assert_problem(client.get("/api/v1/me", headers=carol), 401)


def test_rate_limit_and_profile_are_changed_and_reset(
    client, admin_actions, users_admin
):
    carol = admin_actions.login("carol")
    client.post(PROFILES, json={"name": "staff"}, headers=users_admin)

    changed = client.patch(
        f"{OPERATORS}/carol",
        json={"rate_limit": "5/minute", "profile": "staff"},
        headers=users_admin,
    )
    seen = client.get("/api/v1/me", headers=carol)
    reset = client.patch(
        f"{OPERATORS}/carol", json={"rate_limit": ""}, headers=users_admin
    )

    assert changed.status_code == 200
    assert changed.json["rate_limit"] == "5/minute"
    assert changed.json["profile"] == "staff"
    assert seen.headers["RateLimit-Limit"] == "5"
    assert reset.json["rate_limit"] is None
    assert client.get("/api/v1/me", headers=carol).headers["RateLimit-Limit"] == "30"


@pytest.mark.parametrize("method", ["get", "patch"])
def test_unknown_operator_is_404(client, users_admin, method):
    kwargs = {"json": {"active": False}} if method == "patch" else {}

    response = getattr(client, method)(
        f"{OPERATORS}/nobody", headers=users_admin, **kwargs
    )

    assert_problem(response, 404)


def test_duplicate_username_is_409(client, admin_actions, users_admin):
    admin_actions.operator("carol")
    client.post(PROFILES, json={"name": "staff"}, headers=users_admin)

    response = client.post(
        OPERATORS, json={"username": "carol", "profile": "staff"}, headers=users_admin
    )

    assert_problem(response, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "x", "profile": "staff", "colour": "blue"}, "colour"),
        ({"profile": "staff"}, "username"),
        ({"username": "x"}, "profile"),
        ({"username": "", "profile": "staff"}, "username"),
        ({"username": "a/b", "profile": "staff"}, "username"),
        ({"username": "a:b", "profile": "staff"}, "username"),
        ({"username": "..", "profile": "staff"}, "username"),
        ({"username": "x", "profile": "staff", "kind": "robot"}, "kind"),
        ({"username": "x", "profile": "staff", "password": 1234}, "password"),
        ({"username": "x", "profile": "staff", "rate_limit": 30}, "rate_limit"),
        ({"username": "x", "profile": "staff", "rate_limit": "lots"}, "rate_limit"),
        ({"username": "x", "profile": "no-such-profile"}, "profile"),
    ],
)
def test_create_operator_validates_input(client, users_admin, body, field):
    client.post(PROFILES, json={"name": "staff"}, headers=users_admin)

    response = client.post(OPERATORS, json=body, headers=users_admin)

    assert_field_errors(response, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "renamed"}, "username"),
        ({"active": "maybe"}, "active"),
        ({"rate_limit": None}, "rate_limit"),
        ({"rate_limit": "lots"}, "rate_limit"),
        ({"profile": "no-such-profile"}, "profile"),
    ],
)
def test_update_operator_validates_input(
    client, admin_actions, users_admin, body, field
):
    admin_actions.operator("carol")

    response = client.patch(f"{OPERATORS}/carol", json=body, headers=users_admin)

    assert_field_errors(response, field)


@pytest.mark.parametrize("change", [{"active": False}, {"profile": "no-api"}])
def test_an_admin_cannot_lock_the_owner_out(
    client, admin_actions, owner, users_admin, change
):
    """Only the owner revokes the owner's credentials (DESIGN.md): nor by the back door."""
    client.post(PROFILES, json={"name": "no-api", "api_access": False}, headers=owner)

    response = client.patch(f"{OPERATORS}/owner", json=change, headers=users_admin)

    assert_problem(response, 403)
    assert client.get("/api/v1/me", headers=owner).status_code == 200


def test_only_the_owner_changes_the_owners_profile(client, owner, users_admin):
    """Stripping the owner's profile of api_access would lock the owner out too."""
    profile = client.get("/api/v1/me", headers=owner).json["profile"]
    change = {"api_access": False}

    refused = client.patch(f"{PROFILES}/{profile}", json=change, headers=users_admin)
    assert_problem(refused, 403)
    assert client.get("/api/v1/me", headers=owner).status_code == 200

    allowed = client.patch(f"{PROFILES}/{profile}", json=change, headers=owner)
    assert allowed.status_code == 200
    assert allowed.json["api_access"] is False


def test_the_owner_changes_itself(client, owner):
    response = client.patch(
        f"{OPERATORS}/owner", json={"rate_limit": "90/minute"}, headers=owner
    )

    assert response.status_code == 200
    assert response.json["rate_limit"] == "90/minute"


def test_nobody_gives_a_right_it_lacks(client, owner, users_admin):
    """manage_users must not lead to manage_clients by a profile given to oneself."""
    client.post(
        PROFILES, json={"name": "clients", "manage_clients": True}, headers=owner
    )
    client.post(PROFILES, json={"name": "plain"}, headers=owner)
    refused = [
        client.post(
            PROFILES, json={"name": "mine", "manage_clients": True}, headers=users_admin
        ),
        client.patch(
            f"{PROFILES}/plain", json={"manage_clients": True}, headers=users_admin
        ),
        client.post(
            OPERATORS,
            json={"username": "carol", "profile": "clients"},
            headers=users_admin,
        ),
        client.patch(
            f"{OPERATORS}/users-admin", json={"profile": "clients"}, headers=users_admin
        ),
    ]

    for response in refused:
        assert_problem(response, 403)
    assert (
        client.get(f"{PROFILES}/plain", headers=owner).json["manage_clients"] is False
    )
    assert client.get(CLIENTS, headers=users_admin).status_code == 403


@pytest.mark.config(MODULES=["tickets"])
def test_nobody_gives_a_level_beyond_its_own(client, admin_actions, owner):
    """The same for module levels: they are what resource APIs let one do."""
    client.post(PROFILES, json={"name": "admins", "manage_users": True}, headers=owner)
    client.patch(
        f"{PROFILES}/admins",
        json={"modules": {"tickets": {"inquire": "own"}}},
        headers=owner,
    )
    admin_actions.operator("ua")
    client.patch(f"{OPERATORS}/ua", json={"profile": "admins"}, headers=owner)
    ua = bearer(admin_actions.oauth.pat("ua")[1])
    client.post(PROFILES, json={"name": "support"}, headers=ua)

    own = {"modules": {"tickets": {"inquire": "own"}}}
    beyond = {"modules": {"tickets": {"inquire": "all"}}}
    assert client.patch(f"{PROFILES}/support", json=own, headers=ua).status_code == 200
    assert_problem(client.patch(f"{PROFILES}/support", json=beyond, headers=ua), 403)
    assert_problem(client.patch(f"{PROFILES}/admins", json=beyond, headers=ua), 403)
    assert_problem(client.post(PROFILES, json={"name": "x", **beyond}, headers=ua), 403)
    # What a profile already has may stay when someone weaker edits the rest.
    client.patch(f"{PROFILES}/support", json=beyond, headers=owner)
    again = client.patch(
        f"{PROFILES}/support",
        json={"modules": {"tickets": {"inquire": "all", "add": "own"}}},
        headers=ua,
    )
    assert_problem(again, 403)  # add: own is beyond ua's none
    kept = client.patch(
        f"{PROFILES}/support",
        json={"api_access": True, "modules": {"tickets": {"inquire": "all"}}},
        headers=ua,
    )
    assert kept.status_code == 200, kept.json
    # Nor a profile with more, nor a credential of someone holding more.
    admin_actions.operator("carol")
    assert_problem(
        client.patch(f"{OPERATORS}/carol", json={"profile": "support"}, headers=ua),
        403,
    )
    client.patch(f"{OPERATORS}/carol", json={"profile": "support"}, headers=owner)
    assert_problem(client.post(f"{OPERATORS}/carol/api-accounts", headers=ua), 403)


def test_an_admin_gives_the_rights_it_holds(client, owner, users_admin):
    response = client.post(
        PROFILES, json={"name": "admins", "manage_users": True}, headers=users_admin
    )
    assert response.status_code == 201

    response = client.post(
        OPERATORS, json={"username": "carol", "profile": "admins"}, headers=users_admin
    )
    assert response.status_code == 201


def test_the_owner_gives_any_right(client, owner, admin_actions):
    admin_actions.operator("carol")
    client.post(
        PROFILES, json={"name": "clients", "manage_clients": True}, headers=owner
    )

    response = client.patch(
        f"{OPERATORS}/carol", json={"profile": "clients"}, headers=owner
    )

    assert response.status_code == 200
    assert response.json["profile"] == "clients"


# -- /me and authentication --------------------------------------------------


def test_me_shows_the_caller(client, admin_actions):
    carol = admin_actions.login("carol", rate_limit="50/minute")

    response = client.get("/api/v1/me", headers=carol)

    assert response.status_code == 200
    assert response.json["username"] == "carol"
    assert response.json["rate_limit"] == "50/minute"
    assert set(response.json) == OPERATOR_SHOWN
    assert response.headers["RateLimit-Limit"] == "50"
    assert response.headers["RateLimit-Remaining"] == "49"


def test_an_oauth_access_token_is_a_bearer_credential(client, oauth_actions):
    login = oauth_actions.login()

    response = client.get("/api/v1/me", headers=bearer(login["access_token"]))
    refresh = client.get("/api/v1/me", headers=bearer(login["refresh_token"]))

    assert response.status_code == 200
    assert response.json["username"] == "alice"
    assert_problem(refresh, 401)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer idp_pat_not-a-real-token"},
        {"Authorization": "Bearer idp_pat_" + "A" * 43},
        {"Authorization": "Token abc"},
        {"Authorization": "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ=="},
    ],
    ids=["none", "empty", "malformed", "unknown", "other-scheme", "basic"],
)
@pytest.mark.parametrize("path", ["/api/v1/me", OPERATORS, "/api/v1/clients"])
def test_missing_or_bad_bearer_is_401_with_a_challenge(
    client, admin_actions, path, headers
):
    admin_actions.operator("alice")

    response = client.get(path, headers=headers)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "path", [PROFILES, OPERATORS, f"{OPERATORS}/alice", "/api/v1/clients"]
)
def test_plain_operator_is_403_on_admin_resources(client, alice, path):
    response = client.get(path, headers=alice)

    body = assert_problem(response, 403)
    assert "manage_" in body["detail"]
    assert_ratelimit_headers(response)


@pytest.mark.parametrize(
    "storage",
    [
        pytest.param("redis", marks=pytest.mark.config(RATE_LIMIT="2/minute")),
        pytest.param(
            "memory",
            marks=pytest.mark.config(RATE_LIMIT="2/minute", REDIS_URL=None),
        ),
    ],
)
def test_over_the_rate_limit_is_429_with_retry_after(client, admin_actions, storage):
    """Each API request counts one; the third of 2/minute is refused."""
    carol = admin_actions.login("carol")

    answers = [client.get("/api/v1/me", headers=carol) for _ in range(3)]

    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert [answer.headers["RateLimit-Remaining"] for answer in answers[:2]] == [
        "1",
        "0",
    ]
    assert_problem(answers[2], 429)
    assert answers[2].headers["Retry-After"].isdigit()
    assert answers[2].headers["RateLimit-Remaining"] == "0"
    assert answers[2].headers["RateLimit-Limit"] == "2"


def test_unknown_api_path_and_method_are_problems(client, owner):
    assert_problem(client.get("/api/v1/nothing-here", headers=owner), 404)
    not_allowed = client.put("/api/v1/me", headers=owner)
    assert_problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (PROFILES, {"name": "a\x00b"}, "name"),
        (OPERATORS, {"username": "a\x00b", "profile": "staff"}, "username"),
    ],
)
def test_nul_in_a_body_string_is_422(client, users_admin, path, body, field):
    client.post(PROFILES, json={"name": "staff"}, headers=users_admin)

    response = client.post(path, json=body, headers=users_admin)

    assert_field_errors(response, field)


@pytest.mark.parametrize("path", [f"{PROFILES}/a%00b", f"{OPERATORS}/a%00b"])
def test_nul_in_the_path_is_404(client, users_admin, path):

    response = client.get(path, headers=users_admin)

    assert_problem(response, 404)
