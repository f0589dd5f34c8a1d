"""The OAuth endpoints: each view hands the request to the Authlib server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlib.oauth2 import OAuth2Error
from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from idp import metrics
from idp.oauth.metadata import metadata

if TYPE_CHECKING:
    from flask import Response

    from idp.oauth.server import AuthorizationServer

bp = Blueprint("oauth", __name__)


def server() -> AuthorizationServer:
    return current_app.extensions["idp.oauth"]


@bp.post("/oauth/token")
def token() -> Response:
    grant_type = request.form.get("grant_type")
    try:
        response = server().create_token_response()
    except OAuth2Error as error:  # answered by oauth_error below
        metrics.token_request(grant_type, error.error)
        raise
    except Exception:
        # Answered by the error handlers (503 when the database cannot serve).
        metrics.token_request(grant_type, "server_error")
        raise
    if response.status_code == 200:
        result = "success"
    else:
        result = (response.get_json(silent=True) or {}).get("error", "")
    metrics.token_request(grant_type, result)
    return response


@bp.post("/oauth/introspect")
def introspect() -> Response:
    with metrics.INTROSPECT_SECONDS.time():
        return server().create_endpoint_response("introspection")


@bp.post("/oauth/revoke")
def revoke() -> Response:
    return server().create_endpoint_response("revocation")


@bp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    return jsonify(metadata())


@bp.errorhandler(OAuth2Error)
def oauth_error(error: OAuth2Error) -> Response:
    """Errors raised before Authlib's own handling (e.g. an http:// URL)."""
    return server().handle_error_response(None, error)
