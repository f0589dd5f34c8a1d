"""/api/v1/webhooks: the owner adds, reads, changes and deletes endpoints."""

from __future__ import annotations

import pytest

from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.webhooks.conftest import RECEIVER
from tests.webhooks.conftest import raw_rows

MASKED = "masked-value-7f3a9c"
PASSWORD = "basic-password-51be0d"
CREATE = {
    "url": RECEIVER,
    "description": "CRM",
    "events": ["credential.revoked", "client.created"],
    "basic_auth": {"username": "idp", "password": PASSWORD},
    "headers": [
        {"name": "X-Tenant", "value": "acme"},
        {"name": "X-Api-Key", "value": MASKED, "masked": True},
    ],
}
SHOWN = {
    "url": RECEIVER,
    "description": "CRM",
    "events": ["credential.revoked", "client.created"],
    "enabled": True,
    "disabled_reason": None,
    "basic_auth": {"username": "idp", "password_set": True},
    "headers": [
        {"name": "X-Tenant", "value": "acme", "masked": False},
        {"name": "X-Api-Key", "value": None, "masked": True},
    ],
    "failing_since": None,
}


def _shown(body: dict) -> dict:
    return {
        k: v for k, v in body.items() if k not in ("id", "created_at", "updated_at")
    }


def test_the_owner_adds_a_webhook_and_sees_its_secret_once(client, owner, app, caplog):
    caplog.set_level("DEBUG")
    created = client.post("/api/v1/webhooks", json=CREATE, headers=owner)
    assert created.status_code == 201, created.json
    body = created.json
    secret = body.pop("secret")
    assert secret.startswith("whsec_")
    assert _shown(body) == SHOWN
    webhook = f"/api/v1/webhooks/{body['id']}"
    shown = client.get(webhook, headers=owner)
    listed = client.get("/api/v1/webhooks", headers=owner)
    assert _shown(shown.json) == SHOWN
    assert [_shown(item) for item in listed.json] == [SHOWN]
    for answer in (shown, listed):
        text = answer.get_data(as_text=True)
        assert secret not in text and MASKED not in text and PASSWORD not in text
    rows = raw_rows(app)
    assert "acme" not in rows  # even unmasked values are encrypted
    for clear in (secret, MASKED, PASSWORD, secret.removeprefix("whsec_")):
        assert clear not in rows
        assert clear not in caplog.text


def test_the_stored_values_are_the_ones_sent(client, owner, app):
    from idp.events.models import WebhookEndpoint
    from idp.extensions import db

    body = client.post("/api/v1/webhooks", json=CREATE, headers=owner).json
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, body["id"])
        assert endpoint.signing_secrets() == [body["secret"]]
        assert endpoint.basic_auth() == ("idp", PASSWORD)
        assert endpoint.header_values() == [("X-Tenant", "acme"), ("X-Api-Key", MASKED)]


def test_an_update_keeps_masked_values_and_the_password_unless_replaced(
    client, owner, app
):
    from idp.events.models import WebhookEndpoint
    from idp.extensions import db

    webhook = "/api/v1/webhooks/{}".format(
        client.post("/api/v1/webhooks", json=CREATE, headers=owner).json["id"]
    )
    changed = client.patch(
        webhook,
        json={
            "events": ["*"],
            "description": "CRM v2",
            "basic_auth": {"username": "idp2"},
            "headers": [
                {"name": "X-Api-Key", "value": None, "masked": True},
                {"name": "X-Other", "value": "other-secret", "masked": True},
            ],
        },
        headers=owner,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["events"] == ["*"]
    assert changed.json["basic_auth"] == {"username": "idp2", "password_set": True}
    assert changed.json["headers"] == [
        {"name": "X-Api-Key", "value": None, "masked": True},
        {"name": "X-Other", "value": None, "masked": True},
    ]
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, changed.json["id"])
        assert endpoint.basic_auth() == ("idp2", PASSWORD)
        assert endpoint.header_values() == [
            ("X-Api-Key", MASKED),
            ("X-Other", "other-secret"),
        ]
    removed = client.patch(webhook, json={"basic_auth": None}, headers=owner)
    assert removed.json["basic_auth"] is None
    disabled = client.patch(webhook, json={"enabled": False}, headers=owner)
    assert (disabled.json["enabled"], disabled.json["disabled_reason"]) == (
        False,
        "Disabled by the owner.",
    )
    enabled = client.patch(webhook, json={"enabled": True}, headers=owner)
    assert (enabled.json["enabled"], enabled.json["disabled_reason"]) == (True, None)


def test_a_deleted_webhook_is_gone(client, owner):
    webhook = "/api/v1/webhooks/{}".format(
        client.post("/api/v1/webhooks", json=CREATE, headers=owner).json["id"]
    )
    assert client.delete(webhook, headers=owner).status_code == 204
    assert_problem(client.get(webhook, headers=owner), 404)
    assert_problem(client.delete(webhook, headers=owner), 404)
    assert client.get("/api/v1/webhooks", headers=owner).json == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://127.0.0.1/in"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://10.0.0.1/in"}, "url"),
        ({"url": "http://[::ffff:169.254.169.254]/in"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["task.created"]}, "events"),
        ({"events": "client.created"}, "events"),
        ({"headers": [{"name": "Authorization", "value": "x"}]}, "headers"),
        ({"headers": [{"name": "content-type", "value": "x"}]}, "headers"),
        ({"headers": [{"name": "Host", "value": "x"}]}, "headers"),
        ({"headers": [{"name": "Webhook-Id", "value": "x"}]}, "headers"),
        ({"headers": [{"name": "Bad Name", "value": "x"}]}, "headers"),
        ({"headers": [{"name": "X-A:", "value": "x"}]}, "headers"),
        ({"headers": [{"name": "X-A", "value": "a\r\nX-B: b"}]}, "headers"),
        ({"headers": [{"name": "X-Key", "masked": True}]}, "headers"),
        ({"headers": [{"name": "X-Key", "value": "", "masked": True}]}, "headers"),
        (
            {"headers": [{"name": "X-A", "value": "1"}, {"name": "x-a", "value": "2"}]},
            "headers",
        ),
        ({"basic_auth": {"username": "idp"}}, "basic_auth"),
        ({"basic_auth": {"username": "a:b", "password": "p"}}, "basic_auth"),
        ({"basic_auth": {"password": "p"}}, "basic_auth"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, owner, app, change, field):
    response = client.post("/api/v1/webhooks", json={**CREATE, **change}, headers=owner)
    assert_field_errors(response, field)
    assert client.get("/api/v1/webhooks", headers=owner).json == []
    text = response.get_data(as_text=True)
    assert MASKED not in text and PASSWORD not in text


def test_https_is_required_outside_allowed_networks(client, owner, dns):
    dns["hooks.example.com"] = ["93.184.216.34"]
    plain = client.post(
        "/api/v1/webhooks",
        json={**CREATE, "url": "http://hooks.example.com/in"},
        headers=owner,
    )
    assert_field_errors(plain, "url")
    secure = client.post(
        "/api/v1/webhooks",
        json={**CREATE, "url": "https://hooks.example.com/in"},
        headers=owner,
    )
    assert secure.status_code == 201, secure.json


def test_a_name_resolving_to_any_private_address_is_refused(client, owner, dns):
    dns["hooks.example.com"] = ["93.184.216.34", "10.0.0.7"]
    body = assert_problem(
        client.post(
            "/api/v1/webhooks",
            json={**CREATE, "url": "https://hooks.example.com/in"},
            headers=owner,
        ),
        422,
    )
    assert "10.0.0.7" in body["errors"]["url"][0]


@pytest.mark.config(WEBHOOK_ALLOWED_NETWORKS=[])
def test_loopback_is_refused_unless_allowed(client, owner):
    body = assert_problem(
        client.post("/api/v1/webhooks", json=CREATE, headers=owner), 422
    )
    assert "not globally routable" in body["errors"]["url"][0]


def test_a_bad_update_changes_nothing(client, owner):
    webhook = "/api/v1/webhooks/{}".format(
        client.post("/api/v1/webhooks", json=CREATE, headers=owner).json["id"]
    )
    response = client.patch(
        webhook,
        json={"description": "changed", "events": ["nope.nothing"]},
        headers=owner,
    )
    assert_field_errors(response, "events")
    assert client.get(webhook, headers=owner).json["description"] == "CRM"


@pytest.mark.parametrize("path", ["/api/v1/webhooks", "/api/v1/webhooks/1"])
@pytest.mark.parametrize(
    "role",
    [
        {"manage_users": True, "manage_clients": True},
        {"manage_users": True},
        {"manage_clients": True},
        {},
    ],
)
def test_only_the_owner_manages_webhooks(client, admin_actions, owner, role, path):
    client.post("/api/v1/webhooks", json=CREATE, headers=owner)
    other = admin_actions.login("admin", **role)
    for method, kwargs in [
        ("GET", {}),
        ("POST", {"json": CREATE}),
        ("PATCH", {"json": {"description": "x"}}),
        ("DELETE", {}),
    ]:
        response = client.open(path, method=method, headers=other, **kwargs)
        if response.status_code == 405:
            continue
        assert_problem(response, 403)
    assert len(client.get("/api/v1/webhooks", headers=owner).json) == 1
