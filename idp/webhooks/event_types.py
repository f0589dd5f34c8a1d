"""Rules for event types, built in or declared, and the events the API publishes.

Only services commit. Every function that changes or shows event types takes the acting operator (None
for the `idp` command) and asks idp.accounts.permissions whether it may.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from idp import names
from idp.accounts.models import Operator
from idp.accounts.permissions import require_manage_webhooks
from idp.audit.log import record
from idp.credentials.models import OAuthClient
from idp.database import find
from idp.errors import Conflict
from idp.errors import DomainError
from idp.errors import InvalidInput
from idp.errors import found
from idp.events import outbox
from idp.events.models import EventType
from idp.events.models import WebhookEvent
from idp.events.types import BUILT_IN
from idp.extensions import db

#: Bytes of a published event's data, as JSON.
MAX_EVENT_DATA = 64 * 1024
#: Event type names: dot-separated words, as the built-in ones.
EVENT_TYPE = names.Rule(
    r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$",
    "lower-case letters, digits, _ and - in words separated by dots",
)


class PublishForbidden(DomainError):
    status = 403


def list_event_types(actor: Operator | None) -> list[dict]:
    """Every type, built-in first, then the declared ones by name."""
    require_manage_webhooks(actor)
    built_in = [
        {"name": name, "description": description, "built_in": True, "data": shape}
        for name, (description, shape) in BUILT_IN.items()
    ]
    declared = [
        {"name": t.name, "description": t.description, "built_in": False, "data": None}
        for t in db.session.scalars(select(EventType).order_by(EventType.name))
    ]
    return built_in + declared


def create_event_type(
    actor: Operator | None, name: str, description: str = ""
) -> EventType:
    require_manage_webhooks(actor)
    name = EVENT_TYPE.check(name, what="An event type", field="name", max_length=100)
    if name in BUILT_IN or find(EventType, name=name) is not None:
        raise Conflict(f"The event type {name!r} already exists.")
    event_type = EventType(name=name, description=description.strip())
    db.session.add(event_type)
    record(
        "event_type.created",
        f"event_type:{name}",
        after={"name": name, "description": event_type.description},
    )
    db.session.commit()
    return event_type


def delete_event_type(actor: Operator | None, name: str) -> None:
    """Forget a declared type; endpoints subscribed to it stop receiving it."""
    require_manage_webhooks(actor)
    if name in BUILT_IN:
        raise InvalidInput(f"{name!r} is built in.", field="name")
    event_type = found(find(EventType, name=name), f"No event type {name!r}.")
    record(
        "event_type.deleted",
        f"event_type:{name}",
        before={"name": name, "description": event_type.description},
    )
    db.session.delete(event_type)
    db.session.commit()


def publish_event(
    client: OAuthClient | None, event_type: str, data: dict
) -> WebhookEvent:
    """A domain event from the organisation's API, queued for every subscriber.

    ``client`` is None when it was deleted since it authenticated.
    """
    if client is None or not client.may_publish_events:
        raise PublishForbidden("This client may not publish events.")
    if event_type in BUILT_IN:
        raise InvalidInput(f"{event_type!r} is emitted by idp only.", field="type")
    if len(json.dumps(data, separators=(",", ":"))) > MAX_EVENT_DATA:
        raise InvalidInput(
            f"The data has at most {MAX_EVENT_DATA} bytes as JSON.", field="data"
        )
    event = outbox.emit(event_type, data)
    db.session.commit()
    return event
