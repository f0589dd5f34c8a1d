"""/api/v1/modules over HTTP, and what introspection makes of a module change."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from idp import create_app
from idp.accounts import modules
from idp.extensions import db
from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.admin.conftest import assert_ratelimit_headers

MODULES = "/api/v1/modules"
PROFILES = "/api/v1/profiles"
NONE = {"add": "none", "edit": "none", "delete": "none", "inquire": "none"}


def names(client, headers) -> list[str]:
    response = client.get(MODULES, headers=headers)
    assert response.status_code == 200
    return [module["name"] for module in response.json]


def test_create_list_and_delete(client, users_admin):
    """manage_users declares modules; the list is by name and paginated."""
    for name in ("tickets", "companies"):
        created = client.post(MODULES, json={"name": name}, headers=users_admin)
        assert created.status_code == 201
        assert_ratelimit_headers(created)
        assert set(created.json) == {"name", "created_at"}
        assert created.json["name"] == name

    page = client.get(f"{MODULES}?page=2&page_size=1", headers=users_admin)
    assert names(client, users_admin) == ["companies", "tickets"]
    assert json.loads(page.headers["X-Pagination"])["total"] == 2
    assert [module["name"] for module in page.json] == ["tickets"]

    deleted = client.delete(f"{MODULES}/companies", headers=users_admin)
    assert deleted.status_code == 204
    assert names(client, users_admin) == ["tickets"]


def test_a_new_module_starts_at_none_in_every_profile(client, users_admin):
    client.post(PROFILES, json={"name": "support"}, headers=users_admin)

    client.post(MODULES, json={"name": "tickets"}, headers=users_admin)

    shown = client.get(f"{PROFILES}/support", headers=users_admin).json
    assert shown["modules"] == {"tickets": NONE}


def test_delete_is_409_while_a_profile_gives_a_level(client, owner):
    """Deleting it would take the level from every holder of the profile."""
    client.post(MODULES, json={"name": "tickets"}, headers=owner)
    client.post(
        PROFILES,
        json={"name": "support", "modules": {"tickets": {"inquire": "own"}}},
        headers=owner,
    )

    refused = client.delete(f"{MODULES}/tickets", headers=owner)

    body = assert_problem(refused, 409)
    assert "support" in body["detail"]
    assert names(client, owner) == ["tickets"]
    # Back to none everywhere: the module may go, and the profile forgets it.
    client.patch(
        f"{PROFILES}/support",
        json={"modules": {"tickets": {"inquire": "none"}}},
        headers=owner,
    )
    assert client.delete(f"{MODULES}/tickets", headers=owner).status_code == 204
    assert client.get(f"{PROFILES}/support", headers=owner).json["modules"] == {}
    # A module made again under that name starts at none, not at an old level.
    client.post(MODULES, json={"name": "tickets"}, headers=owner)
    shown = client.get(f"{PROFILES}/support", headers=owner).json
    assert shown["modules"] == {"tickets": NONE}


def test_duplicate_is_409_and_unknown_is_404(client, users_admin):
    client.post(MODULES, json={"name": "tickets"}, headers=users_admin)

    assert_problem(
        client.post(MODULES, json={"name": "tickets"}, headers=users_admin), 409
    )
    assert_problem(client.delete(f"{MODULES}/nope", headers=users_admin), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "a b"}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": 5}, "name"),
        ({"name": "tickets", "colour": "blue"}, "colour"),
    ],
)
def test_create_validates_input(client, users_admin, body, field):
    assert_field_errors(client.post(MODULES, json=body, headers=users_admin), field)
    assert names(client, users_admin) == []


@pytest.mark.parametrize("who", ["clients_admin", "alice"])
def test_without_manage_users_every_call_is_403(client, owner, request, who):
    client.post(MODULES, json={"name": "tickets"}, headers=owner)
    headers = request.getfixturevalue(who)

    assert_problem(client.get(MODULES, headers=headers), 403)
    assert_problem(client.post(MODULES, json={"name": "x"}, headers=headers), 403)
    assert_problem(client.delete(f"{MODULES}/tickets", headers=headers), 403)
    assert names(client, owner) == ["tickets"]


def test_without_a_credential_it_is_401(client):
    assert_problem(client.get(MODULES), 401)
    assert_problem(client.post(MODULES, json={"name": "x"}), 401)
    assert_problem(client.delete(f"{MODULES}/x"), 401)


# -- what introspection sees -------------------------------------------------


def permissions_of(oauth_actions, caller, token) -> dict:
    response = oauth_actions.introspect(caller, token)
    assert response.status_code == 200, response.json
    return response.json["permissions"]["modules"]


def test_every_process_sees_a_module_change_at_the_next_introspection(
    app, client, oauth_actions, owner
):
    """Another process (another server, or the idp command) made the change."""
    caller = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    assert permissions_of(oauth_actions, caller, token) == {}  # now remembered
    shared = ("DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "PASSWORD_HASHING")
    other = create_app({"TESTING": True, **{key: app.config[key] for key in shared}})

    with other.app_context():
        modules.create_module(None, "tickets")
    assert permissions_of(oauth_actions, caller, token) == {"tickets": NONE}

    with other.app_context():
        modules.delete_module(None, "tickets")
        db.engine.dispose()
    assert permissions_of(oauth_actions, caller, token) == {}


@pytest.mark.config(MODULES=["tickets"])
def test_the_module_list_costs_no_sql_on_the_hot_path(app, oauth_actions):
    """Remembered like an active credential, until the next change."""
    caller = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    assert permissions_of(oauth_actions, caller, token) == {"tickets": NONE}
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert permissions_of(oauth_actions, caller, token) == {"tickets": NONE}
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []


@pytest.mark.config(REDIS_URL=None)
def test_without_redis_a_module_made_by_the_idp_command_is_seen(app, oauth_actions):
    """The embedded default: the idp command is another process, on the same file."""
    caller = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    assert permissions_of(oauth_actions, caller, token) == {}
    command = create_app(
        {
            "TESTING": True,
            **{key: app.config[key] for key in ("DATABASE_URL", "PASSWORD_HASHING")},
        }
    )

    with command.app_context():
        modules.create_module(None, "tickets")
        db.engine.dispose()

    assert permissions_of(oauth_actions, caller, token) == {"tickets": NONE}


def test_the_api_sees_a_new_module_in_its_own_answers(client, owner):
    """Profiles listed right after a create carry the new module."""
    client.post(PROFILES, json={"name": "support"}, headers=owner)
    client.post(MODULES, json={"name": "tickets"}, headers=owner)

    patched = client.patch(
        f"{PROFILES}/support",
        json={"modules": {"tickets": {"add": "all"}}},
        headers=owner,
    )

    assert patched.status_code == 200, patched.json
    assert patched.json["modules"] == {"tickets": {**NONE, "add": "all"}}
