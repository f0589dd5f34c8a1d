"""/api/v1: one blueprint per resource, registered on the OpenAPI-aware Api."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import UnicodeConverter

from idp.admin import openapi
from idp.admin.api import accounts
from idp.admin.api import audit
from idp.admin.api import clients
from idp.admin.api import credentials
from idp.admin.api import events
from idp.admin.api import modules
from idp.admin.api import webhook_deliveries
from idp.admin.api import webhooks
from idp.admin.api.auth import add_ratelimit_headers

BLUEPRINTS = (
    clients.blp,
    accounts.blp,
    modules.blp,
    credentials.blp,
    webhooks.blp,
    webhook_deliveries.blp,
    events.blp,
    audit.blp,
)


class TextConverter(UnicodeConverter):
    """A path segment without NUL, which PostgreSQL cannot compare: a 404, not a 500."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def init_app(app: Flask) -> None:
    # Before the API adds its rules: a rule keeps the converter it was built with.
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    api = openapi.init_app(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.after_request(add_ratelimit_headers)
