"""The worker at the HTTP level: real receivers, real signatures, real retries."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time

import pytest
from standardwebhooks import Webhook

from idp.events.models import WebhookEndpoint
from idp.events.outbox import emit
from idp.extensions import db
from tests.audit.conftest import audit
from tests.webhooks.delivery.conftest import QUICK
from tests.webhooks.delivery.conftest import attempts
from tests.webhooks.delivery.conftest import deliveries
from tests.webhooks.delivery.conftest import make_endpoint
from tests.webhooks.delivery.conftest import wait_until
from tests.webhooks.delivery.receiver import Answer

pytestmark = pytest.mark.config(**QUICK)
DATA = {"client_id": "script"}


def emit_committed(app, event_type: str = "client.deleted", data=DATA) -> float:
    """Emit and commit as a service does; the time of the commit."""
    with app.app_context():
        emit(event_type, data)
        db.session.commit()
        return time.time()


def endpoint_row(app, endpoint_id: int) -> WebhookEndpoint:
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        db.session.expunge(endpoint)
        return endpoint


def test_event_arrives_signed_with_basic_auth_and_headers_within_a_second(
    app, receiver, worker
):
    """Standard Webhooks: webhook-id, -timestamp, -signature; Basic and custom headers."""
    _, secret = make_endpoint(
        app,
        receiver.url,
        basic=("hooks", "basic-pässword"),
        headers=[("X-Tenant", "acme", False), ("X-Api-Key", "masked-value-1", True)],
    )
    time.sleep(0.5)  # the worker is idle, waiting
    committed = emit_committed(app)
    [request] = receiver.wait_for(1, timeout=5)
    assert request.at - committed < 1.0
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "client.deleted" and payload["data"] == DATA
    assert payload["timestamp"].endswith("Z")
    [delivery] = deliveries(app)
    assert request.headers["webhook-id"] == delivery.message_id
    assert request.headers["content-type"] == "application/json"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode("hooks:basic-pässword".encode()).decode()
    )
    assert request.headers["x-tenant"] == "acme"
    assert request.headers["x-api-key"] == "masked-value-1"
    wait_until(lambda: deliveries(app)[0].status == "delivered", what="delivered")
    [delivery] = deliveries(app)
    assert (delivery.attempts, delivery.last_status, delivery.lease_until) == (
        1,
        204,
        None,
    )
    [attempt] = attempts(app, delivery.id)
    assert attempt.status_code == 204 and attempt.error is None


def test_receiver_failing_then_recovering_gets_every_event(app, receiver, worker):
    make_endpoint(app, receiver.url)
    receiver.answer(500, 503, 500, Answer(429, {"Retry-After": "0"}), 502)
    for client_id in ("a", "b", "c"):
        emit_committed(app, data={"client_id": client_id})
    wait_until(
        lambda: all(d.status == "delivered" for d in deliveries(app)),
        timeout=15,
        what="every delivery delivered",
    )
    rows = deliveries(app)
    succeeded = [r for r in receiver.requests[5:]]
    assert sorted(json.loads(r.body)["data"]["client_id"] for r in succeeded) == [
        "a",
        "b",
        "c",
    ]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {
        d.message_id for d in rows
    }
    assert sum(d.attempts for d in rows) == 8
    assert endpoint_row(app, rows[0].endpoint_id).failing_since is None


def test_after_the_last_scheduled_attempt_the_delivery_failed(app, receiver, worker):
    make_endpoint(app, receiver.url)
    receiver.answer(*[500] * 5)
    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].status == "failed", what="failed")
    [delivery] = deliveries(app)
    assert delivery.attempts == 5 and delivery.next_attempt_at is None
    assert [a.status_code for a in attempts(app, delivery.id)] == [500] * 5
    assert len(receiver.requests) == 5
    endpoint = endpoint_row(app, delivery.endpoint_id)
    assert endpoint.enabled and endpoint.failing_since is not None


def test_gone_disables_the_endpoint_at_once(app, receiver, worker):
    endpoint_id, _ = make_endpoint(app, receiver.url)
    receiver.answer(410)
    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].status == "failed", what="failed")
    endpoint = endpoint_row(app, endpoint_id)
    assert not endpoint.enabled
    assert endpoint.disabled_reason.startswith("The receiver answered 410 Gone at ")
    [disabled] = audit(app, action="webhook.disabled")
    assert disabled["target"] == f"webhook:{endpoint_id}"
    assert disabled["after"] == {"enabled": False, "reason": endpoint.disabled_reason}
    emit_committed(app)  # a disabled endpoint gets no more deliveries
    time.sleep(0.5)
    assert len(receiver.requests) == 1 and len(deliveries(app)) == 1


@pytest.mark.config(**QUICK, WEBHOOK_DISABLE_AFTER="5d")
def test_an_endpoint_failing_for_too_long_is_disabled_saying_why(app, receiver, worker):
    endpoint_id, _ = make_endpoint(app, receiver.url)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        endpoint.failing_since = dt.datetime(2026, 1, 1)
        db.session.commit()
    receiver.answer(500)
    emit_committed(app)
    wait_until(lambda: not endpoint_row(app, endpoint_id).enabled, what="disabled")
    assert endpoint_row(app, endpoint_id).disabled_reason == (
        "Every delivery failed since 2026-01-01T00:00:00Z, "
        "longer than IDP_WEBHOOK_DISABLE_AFTER."
    )


def test_a_success_clears_the_failing_since(app, receiver, worker):
    endpoint_id, _ = make_endpoint(app, receiver.url)
    receiver.answer(500)
    emit_committed(app)
    wait_until(lambda: endpoint_row(app, endpoint_id).failing_since, what="failing")
    wait_until(lambda: deliveries(app)[0].status == "delivered", what="delivered")
    assert endpoint_row(app, endpoint_id).failing_since is None


def test_redirects_are_recorded_not_followed(app, receiver, worker):
    make_endpoint(app, receiver.url)
    receiver.answer(Answer(307, {"Location": receiver.url + "/moved"}))
    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].status == "delivered", what="delivered")
    assert [r.path for r in receiver.requests] == ["/hooks", "/hooks"]
    first, second = attempts(app, deliveries(app)[0].id)
    assert (first.status_code, second.status_code) == (307, 204)


def test_dns_answer_turned_private_is_refused_at_delivery(
    app, receiver, worker, fake_dns
):
    """The host was fine when saved; at delivery it resolves to 10.0.0.7: nothing is sent."""
    fake_dns["hooks.example.test"] = "127.0.0.1"
    make_endpoint(app, f"http://hooks.example.test:{receiver.port}/hooks")
    emit_committed(app)
    [request] = receiver.wait_for(1)
    assert request.headers["host"] == f"hooks.example.test:{receiver.port}"
    fake_dns["hooks.example.test"] = "10.0.0.7"
    emit_committed(app)
    wait_until(lambda: deliveries(app)[1].attempts >= 2, what="two refusals")
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    refused = attempts(app, deliveries(app)[1].id)
    assert refused[0].status_code is None
    assert refused[0].error == (
        "The host hooks.example.test resolves to 10.0.0.7, which is not globally "
        "routable; allow its network in IDP_WEBHOOK_ALLOWED_NETWORKS."
    )


@pytest.mark.config(**{**QUICK, "WEBHOOK_ALLOWED_NETWORKS": []})
def test_loopback_is_refused_unless_allowed(app, receiver, worker):
    make_endpoint(app, receiver.url)
    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].attempts >= 1, what="an attempt")
    assert receiver.requests == []
    [attempt, *_] = attempts(app, deliveries(app)[0].id)
    assert "127.0.0.1, which is not globally routable" in attempt.error


def test_the_worker_never_logs_a_secret(app, receiver, worker, caplog):
    caplog.set_level(logging.DEBUG)
    _, secret = make_endpoint(
        app,
        receiver.url,
        basic=("hooks", "the-basic-password"),
        headers=[("X-Api-Key", "the-masked-value", True)],
    )
    receiver.answer(Answer(500, body=b"nope"), 410)
    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].status == "failed", what="failed")
    logged = caplog.text
    assert "delivered" not in logged and "failed (attempt 1)" in logged
    for clear in (secret, secret[6:], "the-basic-password", "the-masked-value"):
        assert clear not in logged
    assert base64.b64encode(b"hooks:the-basic-password").decode() not in logged
