"""Event types: built-in ones, and the ones the deployment declares."""

from __future__ import annotations

import pytest

from idp.events.types import BUILT_IN
from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.webhooks.conftest import RECEIVER

TYPES = "/api/v1/event-types"
BUILT_INS = {
    "client.created",
    "client.updated",
    "client.deleted",
    "client.secret_rotated",
    "operator.created",
    "operator.updated",
    "operator.deleted",
    "credential.created",
    "credential.revoked",
    "credential.expiring",
    "credential.leaked",
    "refresh_token.reused",
    "rate_limit.exceeded",
    "webhook.test",
}


def test_every_built_in_type_is_listed_with_its_data_shape(client, owner):
    listed = client.get(TYPES, headers=owner).json
    assert {t["name"] for t in listed if t["built_in"]} == BUILT_INS == set(BUILT_IN)
    for event_type in listed:
        assert event_type["description"]
        assert event_type["data"], event_type
        for member in event_type["data"]:
            assert not member.endswith(("secret", "password", "key", "token")), member


def test_a_declared_type_is_listed_subscribed_to_and_deleted(client, owner):
    created = client.post(
        TYPES,
        json={"name": "task.created", "description": "A task was created."},
        headers=owner,
    )
    assert created.status_code == 201, created.json
    assert created.json == {
        "name": "task.created",
        "description": "A task was created.",
        "built_in": False,
        "data": None,
    }
    assert created.json in client.get(TYPES, headers=owner).json
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": RECEIVER, "events": ["task.created"]},
        headers=owner,
    )
    assert hook.status_code == 201, hook.json
    assert client.delete(f"{TYPES}/task.created", headers=owner).status_code == 204
    assert "task.created" not in {
        t["name"] for t in client.get(TYPES, headers=owner).json
    }
    assert_problem(client.delete(f"{TYPES}/task.created", headers=owner), 404)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "Task Created"}, 422, "name"),
        ({"name": ""}, 422, "name"),
        ({"name": "task..created"}, 422, "name"),
        ({"name": "*"}, 422, "name"),
        ({"name": "client.created"}, 409, None),
        ({}, 422, "name"),
    ],
)
def test_bad_event_types_are_refused(client, owner, body, status, field):
    response = client.post(TYPES, json=body, headers=owner)
    if field:
        assert_field_errors(response, field)
    else:
        assert_problem(response, status)


def test_a_built_in_type_cannot_be_deleted(client, owner):
    assert_field_errors(client.delete(f"{TYPES}/client.created", headers=owner), "name")


@pytest.mark.parametrize("role", [{"manage_users": True, "manage_clients": True}, {}])
def test_only_the_owner_manages_event_types(client, admin_actions, owner, role):
    other = admin_actions.login("admin", **role)
    assert_problem(client.get(TYPES, headers=other), 403)
    assert_problem(client.post(TYPES, json={"name": "a.b"}, headers=other), 403)
    client.post(TYPES, json={"name": "a.b"}, headers=owner)
    assert_problem(client.delete(f"{TYPES}/a.b", headers=other), 403)


def test_the_readme_documents_every_built_in_type():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in BUILT_IN:
        assert f"`{name}`" in readme, name
