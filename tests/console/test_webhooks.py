"""Webhooks in the console: the owner only; masked values and secrets never shown."""

from __future__ import annotations

import re

import pytest

from idp.events.models import WebhookEndpoint
from idp.extensions import db

PAGES = [
    ("get", "/console/webhooks"),
    ("get", "/console/webhooks/new"),
    ("post", "/console/webhooks/new"),
    ("get", "/console/webhooks/{id}/edit"),
    ("post", "/console/webhooks/{id}/edit"),
    ("get", "/console/webhooks/{id}/delete"),
    ("post", "/console/webhooks/{id}/delete"),
]
NEW = {
    "url": "http://127.0.0.1:9/hook",
    "description": "billing",
    "events": ["*"],
    "enabled": "y",
    "basic_username": "idp",
    "basic_password": "BASIC-PASSWORD-1",
    "headers-0-name": "X-Api-Key",
    "headers-0-value": "MASKED-VALUE-1",
    "headers-0-masked": "y",
    "headers-1-name": "X-Team",
    "headers-1-value": "payments",
}
pytestmark = pytest.mark.config(WEBHOOK_ALLOWED_NETWORKS=["127.0.0.1/32"])


@pytest.fixture
def owner(console):
    console.operator("boss", is_owner=True)
    console.sign_in("boss")
    return console


def _endpoint(app) -> dict:
    """What is stored of the one webhook, in clear."""
    with app.app_context():
        endpoint = db.session.query(WebhookEndpoint).one()
        return {
            "id": endpoint.id,
            "url": endpoint.url,
            "headers": endpoint.header_values(),
            "basic": endpoint.basic_auth(),
        }


@pytest.mark.parametrize(
    "role",
    [{}, {"manage_users": True, "manage_clients": True}],
    ids=["plain", "admin"],
)
def test_only_the_owner_sees_webhooks(owner, other_console, role):
    assert owner.post("/console/webhooks/new", NEW).status_code == 200
    other_console.operator("admin", **role)
    other_console.sign_in("admin")
    assert "/console/webhooks" not in other_console.text("/console")
    webhook_id = _endpoint(owner.app)["id"]
    for method, path in PAGES:
        path = path.format(id=webhook_id)
        if method == "post":
            response = other_console.post(path, NEW)
        else:
            response = other_console.get(path)
        assert response.status_code == 403, (method, path)
    assert _endpoint(owner.app)["url"] == NEW["url"]


def test_add_shows_the_signing_secret_once_and_never_a_masked_value(owner):
    response = owner.post("/console/webhooks/new", NEW)
    html = response.get_data(as_text=True)
    secret = re.search(r'value="(whsec_[^"]+)"', html).group(1)
    assert "cannot be shown again" in html
    endpoint = _endpoint(owner.app)
    assert endpoint["headers"] == [
        ("X-Api-Key", "MASKED-VALUE-1"),
        ("X-Team", "payments"),
    ]
    assert endpoint["basic"] == ("idp", "BASIC-PASSWORD-1")
    edit_path = f"/console/webhooks/{endpoint['id']}/edit"
    for path in ("/console/webhooks", edit_path):
        page = owner.text(path)
        for hidden in (secret, "MASKED-VALUE-1", "BASIC-PASSWORD-1"):
            assert hidden not in page, (path, hidden)
    edit = owner.text(edit_path)
    assert 'value="payments"' in edit  # an unmasked value is shown
    assert "Stored, masked" in edit


def test_saving_with_empty_masked_values_keeps_them(owner):
    owner.post("/console/webhooks/new", NEW)
    response = owner.post(
        f"/console/webhooks/{_endpoint(owner.app)['id']}/edit",
        {
            **NEW,
            "url": "http://127.0.0.1:9/other",
            "basic_password": "",
            "headers-0-value": "",
            "headers-1-name": "",
        },
    )
    assert response.status_code == 302
    endpoint = _endpoint(owner.app)
    assert endpoint["url"] == "http://127.0.0.1:9/other"
    assert endpoint["headers"] == [("X-Api-Key", "MASKED-VALUE-1")]
    assert endpoint["basic"] == ("idp", "BASIC-PASSWORD-1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "http://10.1.2.3/hook"}, ""),
        ({"events": ["no.such.event"]}, "is not a valid choice"),
        ({"headers-0-name": "Authorization"}, "set by idp"),
        ({"headers-0-value": ""}, "needs a value"),  # masked, nothing stored
    ],
)
def test_bad_input_is_a_form_message_and_adds_nothing(owner, change, message):
    response = owner.post("/console/webhooks/new", {**NEW, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "whsec_" not in html
    assert message in html
    assert 'class="alert alert-danger"' in html or "invalid-feedback" in html
    with owner.app.app_context():
        assert db.session.query(WebhookEndpoint).count() == 0


def test_delete_asks_first(owner):
    owner.post("/console/webhooks/new", NEW)
    path = f"/console/webhooks/{_endpoint(owner.app)['id']}/delete"
    assert "cannot be undone" in owner.text(path)
    assert owner.http.post(path).status_code == 400  # no CSRF
    assert owner.post(path).status_code == 302
    with owner.app.app_context():
        assert db.session.query(WebhookEndpoint).count() == 0


def test_webhook_pages_keep_the_policy(owner):
    owner.post("/console/webhooks/new", NEW)
    edit = f"/console/webhooks/{_endpoint(owner.app)['id']}/edit"
    for path in ("/console/webhooks", "/console/webhooks/new", edit):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert " style=" not in response.get_data(as_text=True)


def test_test_event_delivery_log_and_redelivery(owner):
    owner.post("/console/webhooks/new", NEW)
    webhook_id = _endpoint(owner.app)["id"]
    assert "No delivery yet." in owner.text(
        f"/console/webhooks/{webhook_id}/deliveries"
    )
    response = owner.post(f"/console/webhooks/{webhook_id}/test")
    assert response.status_code == 302
    log = owner.text(f"/console/webhooks/{webhook_id}/deliveries")
    assert "webhook.test" in log and "pending" in log
    with owner.app.app_context():
        from idp.events.models import WebhookDelivery

        delivery = db.session.query(WebhookDelivery).one()
        delivery_id = delivery.id
        delivery.status = "failed"  # as the worker leaves it after giving up
        db.session.commit()
    detail = owner.text(f"/console/webhooks/{webhook_id}/deliveries/{delivery_id}")
    assert "No attempt yet." in detail
    redeliver = f"/console/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"
    assert owner.http.post(redeliver).status_code == 400  # no CSRF
    assert owner.post(redeliver).status_code == 302
    again = owner.text(f"/console/webhooks/{webhook_id}/deliveries/{delivery_id}")
    assert "queued again" in again and "pending" in again
    owner.post(redeliver)  # pending already: the service's refusal, as a message
    assert "is pending" in owner.text(
        f"/console/webhooks/{webhook_id}/deliveries/{delivery_id}"
    )


def test_rotating_the_signing_secret_asks_and_shows_it_once(owner):
    first = owner.post("/console/webhooks/new", NEW).get_data(as_text=True)
    old = re.search(r'value="(whsec_[^"]+)"', first).group(1)
    webhook_id = _endpoint(owner.app)["id"]
    path = f"/console/webhooks/{webhook_id}/rotate-secret"
    assert "keeps signing for 24h" in owner.text(path)
    html = owner.post(path).get_data(as_text=True)
    new = re.search(r'value="(whsec_[^"]+)"', html).group(1)
    assert new != old
    with owner.app.app_context():
        endpoint = db.session.get(WebhookEndpoint, webhook_id)
        assert endpoint.signing_secrets() == [new, old]
    for page in ("/console/webhooks", f"/console/webhooks/{webhook_id}/edit"):
        assert new not in owner.text(page)
