"""The delivery queue: leasing due deliveries to a worker, and ending a lease.

A claim is a short transaction that leases due deliveries to this worker: on
PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so that workers on several hosts
share the queue without waiting on each other; on SQLite under ``BEGIN
IMMEDIATE``, which lets one writer in at a time. The lease's end time is the
worker's token: the result is recorded only while the delivery still carries
it (:func:`finish`), so a worker that stalled past its lease cannot overwrite
the attempt of the worker that took the delivery over. Delivery is at least
once; the receiver recognises a repeat by ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from idp.events.models import DeliveryStatus
from idp.events.models import WebhookDelivery
from idp.extensions import db
from idp.timeutil import parse_duration

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement


def now() -> dt.datetime:
    """The current naive UTC time, to the microsecond: leases are compared by it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    lease_until: dt.datetime


def _due(moment: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= moment,
        or_(
            WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < moment
        ),
    )


def claim(limit: int = 10) -> list[Claim]:
    """Lease up to ``limit`` due deliveries to this worker, oldest due first."""
    moment = now()
    lease_until = moment + dt.timedelta(
        seconds=parse_duration(current_app.config["WEBHOOK_LEASE_SECONDS"])
    )
    due = (
        select(WebhookDelivery.id)
        .where(*_due(moment))
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)  # SQLite has no row locks: BEGIN IMMEDIATE
    )
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        ids = connection.scalars(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(due.scalar_subquery()))
            .values(lease_until=lease_until)
            .returning(WebhookDelivery.id)
        ).all()
        connection.commit()
    return [Claim(delivery_id, lease_until) for delivery_id in sorted(ids)]


def seconds_until_due() -> float | None:
    """Seconds until the next pending delivery may be claimed; None when there is none."""
    next_time = db.session.scalar(
        select(
            func.min(
                case(
                    (
                        WebhookDelivery.lease_until > WebhookDelivery.next_attempt_at,
                        WebhookDelivery.lease_until,
                    ),
                    else_=WebhookDelivery.next_attempt_at,
                )
            )
        ).where(WebhookDelivery.status == DeliveryStatus.PENDING)
    )
    db.session.rollback()  # end the read: nothing waits holding a transaction
    if next_time is None:
        return None
    return max(0.0, (next_time - now()).total_seconds())


def finish(
    claimed: Claim,
    status: str,
    attempts: int,
    last_status: int | None = None,
    next_attempt_at: dt.datetime | None = None,
) -> bool:
    """Set the delivery's new state if this worker still holds its lease."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claimed.delivery_id,
            WebhookDelivery.lease_until == claimed.lease_until,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(
            status=status,
            attempts=attempts,
            last_status=last_status,
            lease_until=None,
            next_attempt_at=next_attempt_at,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
