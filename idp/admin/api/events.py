"""/api/v1/event-types (the owner) and POST /api/v1/events (a publishing client)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from typing import Any

from flask import g
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.credentials.models import OAuthClient
from idp.errors import ApiError
from idp.extensions import db
from idp.oauth.client_auth import METHODS
from idp.oauth.client_auth import ClientAuthenticationFailed
from idp.oauth.client_auth import ClientAuthenticationThrottled
from idp.oauth.client_auth import require_client
from idp.oauth.server import FormRequest
from idp.webhooks import event_types
from idp.webhooks.schemas import EventPublishedSchema
from idp.webhooks.schemas import EventPublishSchema
from idp.webhooks.schemas import EventTypeCreateSchema
from idp.webhooks.schemas import EventTypeSchema

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask.typing import ResponseReturnValue

    from idp.events.models import EventType
    from idp.events.models import WebhookEvent

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/api/v1",
    description="Event types webhooks subscribe to, and the organisation's "
    "API publishing its domain events.",
)


@blp.route("/event-types")
class EventTypes(MethodView):
    @require()
    @blp.response(200, EventTypeSchema(many=True))
    def get(self) -> list[dict]:
        """List every event type, built-in and declared"""
        return event_types.list_event_types(current_operator())

    @require()
    @blp.arguments(
        EventTypeCreateSchema,
        example={"name": "task.created", "description": "A task was created."},
    )
    @blp.response(201, EventTypeSchema)
    def post(self, data: dict) -> EventType:
        """Declare an event type the organisation's API publishes"""
        return event_types.create_event_type(current_operator(), **data)


@blp.route("/event-types/<name>")
class EventTypeByName(MethodView):
    @require()
    @blp.response(204)
    def delete(self, name: str) -> None:
        """Forget a declared event type"""
        event_types.delete_event_type(current_operator(), name)


def publisher(view: Callable) -> Callable:
    """Authenticate the publishing client before the body is even parsed."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        g.publisher = _publishing_client()
        return view(*args, **kwargs)

    return wrapper


@blp.route("/events")
class Events(MethodView):
    @publisher
    @blp.doc(security=[{"client": []}])
    @blp.arguments(
        EventPublishSchema, example={"type": "task.created", "data": {"task_id": 42}}
    )
    @blp.response(202, EventPublishedSchema)
    def post(self, data: dict) -> WebhookEvent:
        """Publish a domain event

        The caller authenticates as an OAuth client registered with
        `--publish-events`, with HTTP Basic as at introspection. The event is
        delivered to every webhook subscribed to its type, which must be declared.
        """
        return event_types.publish_event(g.publisher, data["type"], data["data"])


def _publishing_client() -> OAuthClient:
    """The client whose Basic credentials this request carries, or a 401."""
    try:
        client = require_client(FormRequest(request), methods=METHODS[:1])
    except ClientAuthenticationThrottled as throttled:
        raise ApiError(
            429, throttled.description, {"Retry-After": str(throttled.retry_after)}
        ) from None
    except ClientAuthenticationFailed as failed:
        challenge = dict(failed.get_headers())["WWW-Authenticate"]
        raise ApiError(
            401, failed.description, {"WWW-Authenticate": challenge}
        ) from None
    return db.session.get(OAuthClient, client.id)
