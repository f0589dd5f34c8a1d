"""emit(): the event and its deliveries commit, or roll back, with the change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.errors import InvalidInput
from idp.events import crypto
from idp.events.models import EventType
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEndpoint
from idp.events.models import WebhookEvent
from idp.events.outbox import emit
from idp.extensions import db


def _endpoint(events, enabled=True) -> int:
    endpoint = WebhookEndpoint(
        url="http://127.0.0.1:9/in",
        events=events,
        enabled=enabled,
        headers=[],
        secret_encrypted=crypto.encrypt("whsec_test"),
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint.id


def test_an_event_reaches_each_enabled_subscribed_endpoint(app):
    with app.app_context():
        exact = _endpoint(["client.created"])
        every = _endpoint(["*"])
        _endpoint(["client.deleted"])
        _endpoint(["client.created"], enabled=False)
        event = emit("client.created", {"client_id": "reports"})
        db.session.commit()
        deliveries = db.session.scalars(select(WebhookDelivery)).all()
        assert sorted(d.endpoint_id for d in deliveries) == sorted([exact, every])
        assert {d.event_id for d in deliveries} == {event.id}
        assert all(d.status == "pending" and d.attempts == 0 for d in deliveries)
        assert all(d.message_id.startswith("msg_") for d in deliveries)
        assert len({d.message_id for d in deliveries}) == 2
        stored = db.session.get(WebhookEvent, event.id)
        assert (stored.type, stored.data) == (
            "client.created",
            {"client_id": "reports"},
        )
        assert event.id.startswith("evt_")


def test_an_event_rolls_back_with_its_change(app):
    with app.app_context():
        _endpoint(["*"])
        emit("client.created", {"client_id": "reports"})
        db.session.rollback()
        assert db.session.scalars(select(WebhookEvent)).all() == []
        assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_a_declared_type_may_be_emitted_an_undeclared_one_not(app):
    with app.app_context():
        with pytest.raises(InvalidInput, match="task.created") as refused:
            emit("task.created", {})
        assert refused.value.field == "type"
        db.session.add(EventType(name="task.created", description="A task"))
        db.session.commit()
        emit("task.created", {"task": 1})
        db.session.commit()
        assert db.session.scalar(select(WebhookEvent.type)) == "task.created"


def test_signing_secrets_keep_the_previous_one_until_it_expires(app):
    import datetime as dt

    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, _endpoint(["*"]))
        endpoint.previous_secret_encrypted = crypto.encrypt("whsec_old")
        now = dt.datetime(2026, 1, 1)
        endpoint.previous_secret_expires_at = now + dt.timedelta(hours=1)
        assert endpoint.signing_secrets(now) == ["whsec_test", "whsec_old"]
        assert endpoint.signing_secrets(now + dt.timedelta(hours=2)) == ["whsec_test"]
