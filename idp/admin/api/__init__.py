"""/api/v1: one blueprint per resource, registered on the OpenAPI-aware Api."""

from __future__ import annotations

from flask import Flask

from idp.admin import openapi
from idp.admin.api import accounts
from idp.admin.api import clients
from idp.admin.api import credentials
from idp.admin.api.auth import add_ratelimit_headers

BLUEPRINTS = (clients.blp, accounts.blp, credentials.blp)


def init_app(app: Flask) -> None:
    api = openapi.init_app(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.after_request(add_ratelimit_headers)
