"""RFC 8414 authorization server metadata."""

from __future__ import annotations

from flask import current_app
from flask import request
from flask import url_for

from idp.credentials.models import SCOPE
from idp.oauth.client_auth import METHODS as CLIENT_AUTH_METHODS


def issuer() -> str:
    """The configured issuer, else this server's URL as the request sees it."""
    return current_app.config["ISSUER"] or request.host_url.rstrip("/")


def metadata() -> dict:
    """The document at /.well-known/oauth-authorization-server."""
    base = issuer()
    return {
        "issuer": base,
        "token_endpoint": base + url_for("oauth.token"),
        "introspection_endpoint": base + url_for("oauth.introspect"),
        "revocation_endpoint": base + url_for("oauth.revoke"),
        "grant_types_supported": ["password", "refresh_token"],
        # REQUIRED by §2 even though idp has no authorization endpoint.
        "response_types_supported": [],
        "scopes_supported": [SCOPE],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
    }
