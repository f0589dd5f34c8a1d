"""/docs and /openapi.json: for operators with api_access unless IDP_PUBLIC_DOCS.

A browser signed in to the console reads them with its session; a program with
a bearer credential of an operator, as at /api/v1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for

from idp.admin.api.auth import authenticate_bearer
from idp.console.auth import session_operator

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

GATED = {"api-docs.openapi_swagger_ui", "api-docs.openapi_json"}


def init_app(app: Flask) -> None:
    app.before_request(_gate)


def _gate() -> ResponseReturnValue | None:
    if request.endpoint not in GATED or current_app.config["PUBLIC_DOCS"]:
        return None
    if session_operator() is not None:
        return None
    if request.authorization is None and request.endpoint.endswith("swagger_ui"):
        return redirect(url_for("console.sign_in", next=request.path))
    authenticate_bearer()  # 401 or 429 as problem details, else an operator with api_access
    return None
