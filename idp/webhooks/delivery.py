"""Sending one claimed delivery outside any transaction, and recording the attempt.

The lease (idp.webhooks.leases) is held from the claim to the record: the
attempt and the delivery's new state are written only while it still is.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from idp import metrics
from idp.audit.log import record
from idp.events import crypto
from idp.events.models import DeliveryStatus
from idp.events.models import WebhookAttempt
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEndpoint
from idp.extensions import db
from idp.schemas import utc_text
from idp.timeutil import parse_duration
from idp.webhooks import sender
from idp.webhooks import ssrf
from idp.webhooks.leases import Claim
from idp.webhooks.leases import finish
from idp.webhooks.leases import now
from idp.webhooks.schedule import next_delay
from idp.webhooks.schedule import parse_schedule
from idp.webhooks.signing import sign

log = logging.getLogger("idp.webhooks")


def deliver(claimed: Claim) -> sender.Outcome | None:
    """Send one claimed delivery and record the attempt; None when nothing was sent."""
    config = current_app.config
    delivery = db.session.scalar(
        select(WebhookDelivery)
        .options(
            joinedload(WebhookDelivery.endpoint), joinedload(WebhookDelivery.event)
        )
        .filter_by(id=claimed.delivery_id)
    )
    if delivery is None or delivery.lease_until != claimed.lease_until:
        db.session.rollback()
        return None
    endpoint = delivery.endpoint
    budget = 3 * parse_duration(config["WEBHOOK_TIMEOUT"])
    if (claimed.lease_until - now()).total_seconds() < budget:
        db.session.rollback()  # too little lease left to send safely: let it lapse
        return None
    if not endpoint.enabled:
        finish(claimed, DeliveryStatus.FAILED, attempts=delivery.attempts)
        db.session.commit()
        log.info(
            "%s not sent: endpoint %s is disabled", delivery.message_id, endpoint.id
        )
        return None
    attempts_before = delivery.attempts
    message_id = delivery.message_id
    url = endpoint.url
    endpoint_id = endpoint.id
    failing_since = endpoint.failing_since
    try:
        address = ssrf.vet(url)[0]
        body, headers = _request(delivery, endpoint)
    except ssrf.RefusedUrl as refused:
        address, outcome = None, sender.Outcome(duration_ms=0, error=str(refused)[:500])
    except (crypto.Undecryptable, crypto.KeyMissing):
        address, outcome = (
            None,
            sender.Outcome(
                duration_ms=0,
                error="The endpoint's secrets cannot be decrypted with the configured keys.",
            ),
        )
    db.session.rollback()  # no transaction stays open while the receiver answers
    if address is not None:
        outcome = sender.post(
            url, address, headers, body, parse_duration(config["WEBHOOK_TIMEOUT"])
        )
    _record(claimed, message_id, endpoint_id, attempts_before, failing_since, outcome)
    return outcome


def _request(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt, signed now."""
    event = delivery.event
    body = json.dumps(
        {
            "type": event.type,
            "timestamp": utc_text(event.created_at),
            "data": event.data,
        },
        separators=(",", ":"),
    ).encode()
    timestamp = int(now().replace(tzinfo=dt.UTC).timestamp())
    headers = dict(endpoint.header_values())
    credentials = endpoint.basic_auth()
    if credentials is not None:
        pair = f"{credentials[0]}:{credentials[1]}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    headers.update(
        {
            "Content-Type": "application/json",
            "User-Agent": "idp-webhooks",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                delivery.message_id, timestamp, body, endpoint.signing_secrets()
            ),
        }
    )
    return body, headers


def _record(
    claimed: Claim,
    message_id: str,
    endpoint_id: int,
    attempts_before: int,
    failing_since: dt.datetime | None,
    outcome: sender.Outcome,
) -> None:
    config = current_app.config
    moment = now()
    attempts = attempts_before + 1
    db.session.add(
        WebhookAttempt(
            delivery_id=claimed.delivery_id,
            at=moment.replace(microsecond=0),
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            response_body=outcome.body,
            error=outcome.error,
        )
    )
    endpoints = (
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .execution_options(synchronize_session=False)
    )
    if outcome.ok:
        metrics.WEBHOOK_DELIVERIES.labels("delivered").inc()
        kept = finish(claimed, DeliveryStatus.DELIVERED, attempts, outcome.status_code)
        if failing_since is not None:
            db.session.execute(endpoints.values(failing_since=None))
        log.info(
            "%s delivered to endpoint %s (%s, %d ms, attempt %d)",
            message_id, endpoint_id, outcome.status_code, outcome.duration_ms, attempts,
        )  # fmt: skip
    else:
        gone = outcome.status_code == 410
        delay = None if gone else next_delay(
            attempts, parse_schedule(config["WEBHOOK_RETRY_SCHEDULE"]), outcome.retry_after
        )  # fmt: skip
        metrics.WEBHOOK_DELIVERIES.labels(
            "failed" if delay is None else "retrying"
        ).inc()
        if delay is None:
            kept = finish(claimed, DeliveryStatus.FAILED, attempts, outcome.status_code)
        else:
            kept = finish(
                claimed,
                DeliveryStatus.PENDING,
                attempts,
                outcome.status_code,
                next_attempt_at=moment + dt.timedelta(seconds=delay),
            )
        reason = _disable_reason(outcome, failing_since, moment)
        if failing_since is None:
            db.session.execute(
                endpoints.where(WebhookEndpoint.failing_since.is_(None)).values(
                    failing_since=moment.replace(microsecond=0)
                )
            )
        if (
            reason
            and db.session.execute(
                endpoints.where(WebhookEndpoint.enabled.is_(True)).values(
                    enabled=False, disabled_reason=reason
                )
            ).rowcount
        ):
            metrics.WEBHOOK_ENDPOINTS_DISABLED.inc()
            record(
                "webhook.disabled",
                f"webhook:{endpoint_id}",
                before={"enabled": True},
                after={"enabled": False, "reason": reason},
            )
            log.warning("endpoint %s disabled: %s", endpoint_id, reason)
        log.info(
            "%s to endpoint %s failed (attempt %d): %s; %s",
            message_id, endpoint_id, attempts,
            outcome.error or f"status {outcome.status_code}",
            "gave up" if delay is None else f"next attempt in {delay:.0f} s",
        )  # fmt: skip
    if not kept:
        log.warning("%s: lease ended before the attempt was recorded", message_id)
    db.session.commit()


def _disable_reason(
    outcome: sender.Outcome, failing_since: dt.datetime | None, moment: dt.datetime
) -> str | None:
    if outcome.status_code == 410:
        return f"The receiver answered 410 Gone at {utc_text(moment.replace(microsecond=0))}."
    limit = parse_duration(current_app.config["WEBHOOK_DISABLE_AFTER"])
    if failing_since is not None and (moment - failing_since).total_seconds() >= limit:
        return (
            f"Every delivery failed since {utc_text(failing_since)}, "
            f"longer than IDP_WEBHOOK_DISABLE_AFTER."
        )
    return None
