"""What the owner does with an endpoint's deliveries: read them, send one again,
send a test event, and rotate the signing secret.

Every function looks the endpoint up through ``endpoints.get_endpoint``, which
asks ``idp.accounts.permissions`` whether the actor may manage webhooks.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from idp.accounts.models import Operator
from idp.audit.log import record
from idp.created import Created
from idp.database import Listing
from idp.errors import Conflict
from idp.errors import NotFound
from idp.events import crypto
from idp.events.models import DeliveryStatus
from idp.events.models import WebhookAttempt
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEndpoint
from idp.events.models import WebhookEvent
from idp.events.outbox import new_id
from idp.events.outbox import notify_workers
from idp.extensions import db
from idp.timeutil import parse_duration
from idp.timeutil import utcnow
from idp.webhooks import endpoints


def list_deliveries(actor: Operator | None, webhook_id: int) -> Listing:
    """The endpoint's deliveries, newest first."""
    endpoint = endpoints.get_endpoint(actor, webhook_id)
    return Listing(
        select(WebhookDelivery)
        .filter_by(endpoint_id=endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )


def get_delivery(
    actor: Operator | None, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """One delivery of the endpoint (a 404 for another endpoint's)."""
    endpoint = endpoints.get_endpoint(actor, webhook_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound(f"Webhook {webhook_id} has no delivery {delivery_id}.")
    return delivery


def attempts_of(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(
        db.session.scalars(
            select(WebhookAttempt)
            .filter_by(delivery_id=delivery.id)
            .order_by(WebhookAttempt.id)
        )
    )


def redeliver(
    actor: Operator | None, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Queue a finished delivery again, now, with the whole retry schedule.

    It keeps its ``webhook-id``: it is the same message, and the receiver
    decides whether it wants it twice. Its past attempts stay in its log.
    """
    delivery = get_delivery(actor, webhook_id, delivery_id)
    _require_enabled(delivery.endpoint)
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict(f"Delivery {delivery_id} is pending: it is sent already.")
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    record(
        "webhook.redelivered",
        f"webhook:{webhook_id}",
        after={"delivery": delivery.id, "message_id": delivery.message_id},
    )
    notify_workers()
    db.session.commit()
    return delivery


def send_test(actor: Operator | None, webhook_id: int) -> WebhookDelivery:
    """A ``webhook.test`` event delivered to this endpoint only."""
    endpoint = endpoints.get_endpoint(actor, webhook_id)
    _require_enabled(endpoint)
    now = utcnow()
    event = WebhookEvent(
        id=new_id("evt"), type="webhook.test", data={"endpoint_id": endpoint.id}
    )
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event.id,
        message_id=new_id("msg"),
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    event.created_at = now
    db.session.add_all([event, delivery])
    record("webhook.tested", f"webhook:{endpoint.id}", after={"event": event.id})
    notify_workers()
    db.session.commit()
    return delivery


def rotate_secret(actor: Operator | None, webhook_id: int) -> Created:
    """A new signing secret, in clear to be shown once; the old one keeps signing
    for ``IDP_WEBHOOK_SECRET_OVERLAP`` so that the receiver can switch over.
    """
    endpoint = endpoints.get_endpoint(actor, webhook_id)
    secret = endpoints.new_signing_secret()
    overlap = parse_duration(current_app.config["WEBHOOK_SECRET_OVERLAP"])
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = utcnow() + dt.timedelta(seconds=overlap)
    endpoint.secret_encrypted = crypto.encrypt(secret)
    record("webhook.secret_rotated", f"webhook:{endpoint.id}")
    db.session.commit()
    return Created(endpoint, secret)


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise Conflict(
            f"Webhook {endpoint.id} is disabled ({endpoint.disabled_reason}); "
            "enable it first."
        )
