"""The OpenAPI 3 document, built from the marshmallow schemas, and /docs.

Swagger UI is served from the assets of the swagger-ui-bundle package, never
from a CDN: idp may run where there is no internet.
"""

from __future__ import annotations

import http
from typing import TYPE_CHECKING

import swagger_ui_bundle
from flask import Blueprint
from flask import Flask
from flask import send_from_directory
from flask_smorest import Api as _Api

from idp.admin.openapi_oauth import describe_oauth
from idp.errors import ProblemSchema
from idp.errors import http_error_response

if TYPE_CHECKING:
    from flask import Response
    from werkzeug.exceptions import HTTPException

ASSETS = "/docs/assets/"
PROBLEM = {"application/problem+json": {"schema": ProblemSchema}}

SETTINGS = {
    "API_TITLE": "idp",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": ASSETS,
    "OPENAPI_SWAGGER_UI_CONFIG": {
        "persistAuthorization": True,
        "displayRequestDuration": True,
        "tryItOutEnabled": True,
    },
}

DESCRIPTION = """\
Manage idp over HTTP: OAuth clients, operators, profiles, the modules their levels
are about, and every operator's personal access tokens, API accounts and API keys.

Authenticate with a bearer credential of an operator: an OAuth access token or a
personal access token (`Authorization: Bearer idp_pat_...`). Click **Authorize**,
paste it, then **Try it out** on any operation: the page shows the curl command.
Each request counts one against your rate limit. Errors are RFC 9457 problem
details (`application/problem+json`); lists are paginated with `page` and
`page_size`, and the `X-Pagination` header says how many items there are.
"""


class Api(_Api):
    """flask-smorest's Api, answering errors through idp's one error handler.

    flask-smorest documents its own error body as application/json; idp answers
    RFC 9457 problem details, so the document says that instead.
    """

    def handle_http_exception(self, error: HTTPException) -> Response:
        return http_error_response(error)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = PROBLEM
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR",
            {"description": "Default error response", "content": PROBLEM},
            lazy=True,
        )


def init_app(app: Flask) -> Api:
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme(
        "bearer",
        {"type": "http", "scheme": "bearer", "description": "An access token or PAT."},
    )
    api.spec.components.security_scheme(
        "client", {"type": "http", "scheme": "basic", "description": "client_id:secret"}
    )
    describe_oauth(api.spec)
    app.register_blueprint(_assets)
    app.extensions["idp.api"] = api
    return api


_assets = Blueprint("docs_assets", __name__)


@_assets.get(ASSETS + "<path:filename>")
def asset(filename: str) -> Response:
    """Swagger UI's files, shipped by the swagger-ui-bundle package."""
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
