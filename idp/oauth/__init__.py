"""OAuth 2.0: the token, introspection and revocation endpoints, and the grants.

The rows of clients and tokens live in idp.credentials, below this package.
"""

from __future__ import annotations

import logging

from flask import Flask

from idp.oauth import check  # noqa: F401  (adds /oauth/check to bp)
from idp.oauth import leaked  # noqa: F401  (adds /oauth/leaked to bp)
from idp.oauth.grants import PasswordGrant
from idp.oauth.grants import RefreshTokenGrant
from idp.oauth.introspection import IntrospectionEndpoint
from idp.oauth.revocation import RevocationEndpoint
from idp.oauth.server import AuthorizationServer
from idp.oauth.views import bp


def init_app(app: Flask) -> None:
    """Build this app's authorization server and register every grant and endpoint."""
    server = AuthorizationServer(app)
    server.register_grant(PasswordGrant)
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(IntrospectionEndpoint)
    server.register_endpoint(RevocationEndpoint)
    app.extensions["idp.oauth"] = server
    app.register_blueprint(bp)
    # Authlib logs whole token responses at DEBUG ("Issue token %r to %r"):
    # a secret must never reach a log, whatever level an operator sets.
    logging.getLogger("authlib").setLevel(
        max(logging.INFO, logging.getLogger("authlib").level)
    )
