"""POST /register: the legacy self-service call that creates an API account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint
from flask import jsonify
from flask import request

from idp.accounts import passwords
from idp.credentials import services
from idp.credentials.schemas import ApiAccountCreatedSchema

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

bp = Blueprint("credentials", __name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.post("/register")
def register() -> ResponseReturnValue:
    """An operator, with its own login in HTTP Basic, creates an API account for itself.

    The answer carries the new pair once. A wrong login, an unknown user and a
    barred account get one answer, so usernames cannot be probed.
    """
    auth = request.authorization
    operator = None
    if auth is not None and auth.type == "basic" and auth.username and auth.password:
        operator = passwords.verify_operator_password(auth.username, auth.password)
    if operator is None or not operator.may_use_password_grant():
        response = jsonify(
            error="invalid_credentials",
            error_description="Authenticate with your username and password.",
        )
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic realm="idp", charset="UTF-8"'
        return response
    created = services.create_api_account(operator, operator)
    body = ApiAccountCreatedSchema(only=("username", "password", "created_at"))
    return jsonify(body.dump(created)), 201, NO_STORE
