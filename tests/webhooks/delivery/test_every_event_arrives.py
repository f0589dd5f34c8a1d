"""Every built-in event, caused over HTTP, arrives once, signed, at a real receiver."""

from __future__ import annotations

import collections
import time

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from idp.accounts import operators
from idp.accounts import profiles
from idp.events.models import WebhookEvent
from idp.events.types import BUILT_IN
from idp.extensions import db
from idp.webhooks import housekeeping
from tests.webhooks.delivery.conftest import QUICK

OWNER_CHANGES = [
    ("post", "/api/v1/clients", {"client_id": "reports"}),
    ("patch", "/api/v1/clients/reports", {"access_token_ttl": 60}),
    ("post", "/api/v1/clients/reports/rotate-secret", None),
    ("delete", "/api/v1/clients/reports", None),
    ("post", "/api/v1/operators", {"username": "bob", "profile": "staff"}),
    ("patch", "/api/v1/operators/bob", {"active": False}),
]


@pytest.mark.config(**QUICK, REFRESH_GRACE_SECONDS=0)
def test_each_built_in_event_arrives_once_per_change_signed(
    app, client, owner, oauth_actions, receiver, worker
):
    webhook = client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["*"]}, headers=owner
    ).json
    with app.app_context():
        profiles.create_profile("staff")
        # Deleting an operator is the idp command's (operators.delete_operator).
        leaving, _ = operators.create_operator(
            "leaving", profile=profiles.get_profile("staff"), password="pw"
        )
        operators.delete_operator(leaving)
    for method, path, body in OWNER_CHANGES:
        response = getattr(client, method)(path, json=body, headers=owner)
        assert response.status_code < 300, (path, response.json)
    token = client.post(
        "/api/v1/me/personal-access-tokens",
        json={"name": "ci", "expires_in": 3 * 86400},
        headers=owner,
    ).json
    with app.app_context():
        housekeeping.warn_expiring()
    client.delete(f"/api/v1/me/personal-access-tokens/{token['id']}", headers=owner)
    exposed = client.post(
        "/api/v1/me/personal-access-tokens", json={"name": "pasted"}, headers=owner
    ).json
    assert client.post("/oauth/leaked", json=[exposed["token"]]).status_code == 202
    login = oauth_actions.login()
    limited = client.patch(
        "/api/v1/operators/alice", json={"rate_limit": "2/minute"}, headers=owner
    )
    assert limited.status_code == 200, limited.json
    caller = oauth_actions.resource_server()
    answers = [
        oauth_actions.introspect(caller, login["access_token"]) for _ in range(4)
    ]
    assert [a.json["rate_limit"]["exceeded"] for a in answers] == [False] * 2 + [
        True
    ] * 2
    oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    time.sleep(1.1)
    oauth_actions.refresh("script", login["secret"], login["refresh_token"])  # reuse
    client.post(f"/api/v1/webhooks/{webhook['id']}/test", headers=owner)

    with app.app_context():
        emitted = collections.Counter(
            db.session.scalars(
                select(WebhookEvent.type).where(WebhookEvent.created_at.is_not(None))
            )
        )
    # The owner and its PAT, made by the fixture, came before the webhook.
    emitted -= collections.Counter({"operator.created": 1, "credential.created": 1})
    expected = sum(emitted.values())
    received = receiver.wait_for(expected, timeout=20)
    time.sleep(0.5)
    assert len(receiver.requests) == expected
    assert len({r.headers["webhook-id"] for r in received}) == expected
    types = collections.Counter(
        Webhook(webhook["secret"]).verify(r.body, r.headers)["type"] for r in received
    )
    assert set(types) == set(BUILT_IN)
    assert types["rate_limit.exceeded"] == 1
    assert types["credential.expiring"] == 1
    assert types == emitted
