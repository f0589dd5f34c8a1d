"""The worker's housekeeping: credential.expiring once per token; old deliveries pruned."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import func
from sqlalchemy import select

from idp.accounts.models import Operator
from idp.credentials import services as credentials
from idp.credentials.models import PersonalAccessToken
from idp.events.models import WebhookAttempt
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEvent
from idp.events.outbox import emit
from idp.extensions import db
from idp.timeutil import utcnow
from idp.webhooks import housekeeping
from tests.webhooks.delivery.conftest import QUICK
from tests.webhooks.delivery.conftest import WorkerThread
from tests.webhooks.delivery.conftest import make_endpoint

pytestmark = pytest.mark.config(**QUICK)
DAY = 86400


def tokens(app, oauth_actions, *lifetimes: int | None) -> list[str]:
    oauth_actions.operator()
    hints = []
    with app.app_context():
        alice = db.session.scalars(select(Operator).filter_by(username="alice")).one()
        for number, lifetime in enumerate(lifetimes):
            token, _ = credentials.issue_personal_access_token(
                None, alice, name=f"t{number}", expires_in=lifetime
            )
            hints.append(token.hint)
    return hints


def test_credential_expiring_arrives_once_per_token(app, oauth_actions, receiver):
    make_endpoint(app, receiver.url, events=["credential.expiring"])
    soon, later, never = tokens(app, oauth_actions, 3 * DAY, 30 * DAY, None)
    with app.app_context():
        assert housekeeping.warn_expiring() == 1
        assert housekeeping.warn_expiring() == 0  # sent once, not every minute
        # Eight days on, the 30-day token is not yet within 7 days; at 24 it is.
        assert housekeeping.warn_expiring(utcnow() + dt.timedelta(days=8)) == 0
        assert housekeeping.warn_expiring(utcnow() + dt.timedelta(days=24)) == 1
    worker = WorkerThread(app)  # its own scan, at start, finds nothing left to send
    try:
        requests = receiver.wait_for(2)
        time.sleep(0.5)
    finally:
        worker.stop()
    assert len(receiver.requests) == 2
    bodies = sorted(
        (json.loads(r.body) for r in requests), key=lambda b: b["data"]["id"] != soon
    )
    assert [b["type"] for b in bodies] == ["credential.expiring"] * 2
    assert [b["data"]["id"] for b in bodies] == [soon, later]
    assert bodies[0]["data"]["kind"] == "personal_access_token"
    assert bodies[0]["data"]["operator"] == "alice"
    assert bodies[0]["data"]["expires_at"].endswith("Z")
    assert never not in str(bodies)


def test_revoked_or_expired_tokens_get_no_warning(app, oauth_actions):
    tokens(app, oauth_actions, 3 * DAY)
    with app.app_context():
        db.session.scalars(select(PersonalAccessToken)).one().revoked_at = utcnow()
        db.session.commit()
        assert housekeeping.warn_expiring() == 0
        assert housekeeping.warn_expiring(utcnow() + dt.timedelta(days=10)) == 0
        expiring = select(func.count()).where(
            WebhookEvent.type == "credential.expiring"
        )
        assert db.session.scalar(expiring) == 0


@pytest.mark.config(**QUICK, WEBHOOK_RETENTION="30d")
def test_finished_deliveries_past_retention_are_pruned_with_their_attempts(app):
    make_endpoint(app, "http://127.0.0.1:9/hooks")
    month_ago = utcnow() - dt.timedelta(days=31)
    with app.app_context():
        for client_id in ("old", "old-pending", "new"):
            emit("client.deleted", {"client_id": client_id})
        db.session.flush()
        old, old_pending, new = db.session.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.id)
        ).all()
        for delivery in (old, old_pending):
            delivery.created_at = delivery.event.created_at = month_ago
        old.status = new.status = "delivered"
        db.session.add(WebhookAttempt(delivery_id=old.id, status_code=204))
        db.session.commit()
        old_id = old.id
        assert housekeeping.prune() == 1
        left = {e.data["client_id"] for e in db.session.scalars(select(WebhookEvent))}
        assert left == {"old-pending", "new"}
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(WebhookAttempt)
                .filter_by(delivery_id=old_id)
            )
            == 0
        )
