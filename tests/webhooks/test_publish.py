"""POST /api/v1/events: the organisation's API publishes its domain events."""

from __future__ import annotations

import pytest

from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.conftest import basic
from tests.webhooks.conftest import RECEIVER
from tests.webhooks.conftest import events

EVENTS = "/api/v1/events"


@pytest.fixture
def publisher(oauth_actions, app) -> dict[str, str]:
    from idp.webhooks import event_types

    with app.app_context():
        event_types.create_event_type(None, "task.created", "A task was created.")
    _, secret = oauth_actions.oauth_client("tasks-api", may_publish_events=True)
    return basic("tasks-api", secret)


def test_a_published_event_is_queued_for_its_subscribers(client, app, owner, publisher):
    from sqlalchemy import select

    from idp.events.models import WebhookDelivery
    from idp.extensions import db

    hook = client.post(
        "/api/v1/webhooks",
        json={"url": RECEIVER, "events": ["task.created"]},
        headers=owner,
    ).json
    response = client.post(
        EVENTS,
        json={"type": "task.created", "data": {"task_id": 42}},
        headers=publisher,
    )
    assert response.status_code == 202, response.json
    assert response.json["type"] == "task.created"
    assert response.json["id"].startswith("evt_")
    assert events(app, "task.created") == [("task.created", {"task_id": 42})]
    with app.app_context():
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert (delivery.endpoint_id, delivery.event_id) == (
            hook["id"],
            response.json["id"],
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "task.deleted", "data": {}}, "type"),
        ({"type": "client.created", "data": {"client_id": "forged"}}, "type"),
        ({"type": "task.created", "data": "text"}, "data"),
        ({"type": "task.created"}, "data"),
        ({"data": {}}, "type"),
        ({"type": "task.created", "data": {"blob": "x" * (64 * 1024)}}, "data"),
    ],
)
def test_bad_events_are_a_422_naming_the_field(client, app, publisher, body, field):
    response = client.post(EVENTS, json=body, headers=publisher)
    assert_field_errors(response, field)
    assert events(app, "task.created") == []


def test_only_a_client_allowed_to_publish_may(client, app, oauth_actions, publisher):
    _, secret = oauth_actions.oauth_client("other")
    body = {"type": "task.created", "data": {}}
    assert_problem(client.post(EVENTS, json=body, headers=basic("other", secret)), 403)
    wrong = client.post(EVENTS, json=body, headers=basic("tasks-api", "wrong"))
    assert_problem(wrong, 401)
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    assert_problem(client.post(EVENTS, json=body), 401)
    assert events(app, "task.created") == []


def test_an_operator_token_cannot_publish(client, app, owner, publisher):
    response = client.post(
        EVENTS, json={"type": "task.created", "data": {}}, headers=owner
    )
    assert_problem(response, 401)


def test_publish_events_is_a_client_setting(client, app, owner):
    created = client.post(
        "/api/v1/clients",
        json={"client_id": "tasks-api", "publish_events": True},
        headers=owner,
    )
    assert created.json["publish_events"] is True
    changed = client.patch(
        "/api/v1/clients/tasks-api", json={"publish_events": False}, headers=owner
    )
    assert changed.json["publish_events"] is False
