"""RFC 7662 token introspection for resource servers: the hot path."""

from __future__ import annotations

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.errors import UnauthorizedClientError
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from idp.accounts.modules import declared_modules
from idp.credentials import services as credentials
from idp.credentials.active import ActiveCredential
from idp.credentials.active import CredentialKind
from idp.credentials.usage import record_client_use
from idp.credentials.usage import record_use
from idp.oauth import services
from idp.oauth.grants import CLIENT_AUTH_METHODS
from idp.oauth.metadata import issuer
from idp.oauth.models import SCOPE
from idp.oauth.server import TOKEN_ENDPOINT_PARAMETERS
from idp.oauth.server import ClientAuthenticationFailed
from idp.oauth.server import check_form_request
from idp.oauth.server import verify_client
from idp.ratelimit import limiter
from idp.ratelimit.headers import ratelimit_headers
from idp.timeutil import timestamp
from idp.timeutil import utcnow
from idp.webhooks.outbox import rate_limit_exceeded

INACTIVE = {"active": False}
BEARER_KINDS = (
    CredentialKind.OAUTH_ACCESS_TOKEN,
    CredentialKind.PERSONAL_ACCESS_TOKEN,
)


class IntrospectionEndpoint(_IntrospectionEndpoint):
    """Answers for every credential kind; each active answer counts one request."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_endpoint_client(self, request) -> services.AuthenticatedClient:
        client = authenticate_caller(request, self.CLIENT_AUTH_METHODS)
        # Only resource servers registered for it may ask; any other client is
        # told so plainly rather than given a misleading {"active": false}.
        if not client.may_introspect:
            raise UnauthorizedClientError(
                "This client is not allowed to introspect.", status_code=403
            )
        return client

    def create_endpoint_response(self, request):
        # A token holding NUL is no token idp issued: inactive, or nothing to
        # revoke; resource servers forward what their callers send.
        check_form_request(TOKEN_ENDPOINT_PARAMETERS, refuse_nul=False)
        self.authenticate_endpoint_client(request)
        token = request.form.get("token")
        if not token:
            raise InvalidRequestError("Missing 'token' in request.")
        # token_type_hint is only a hint (RFC 7662 §2.1): every kind is
        # recognised by its prefix, so an unknown hint changes nothing.
        # Authlib answers an unknown hint with a 401 instead.
        body, headers = introspect(token)
        return 200, body, default_json_headers + list(headers.items())


def authenticate_caller(request, methods: list[str]) -> services.AuthenticatedClient:
    """The verified calling client, or 401 invalid_client (RFC 7662 §2.1)."""
    for method in methods:
        client = verify_client(request, method)
        if client is not None:
            request.client = client
            record_client_use(client.id)
            return client
    raise ClientAuthenticationFailed()


def introspect(token: str) -> tuple[dict, dict]:
    """The RFC 7662 answer for ``token`` and the headers to send with it."""
    active = credentials.resolve_credential(token, declared_modules())
    if active is not None:
        window = limiter().hit(active.operator_id, active.rate_limit)
        record_use(active)
        if window.crossed:
            rate_limit_exceeded(active.username, window)
        return claims(active) | {"rate_limit": window.as_dict()}, ratelimit_headers(
            window
        )
    found = services.find_token(token)
    if found is not None and found[0] == "refresh_token":
        row = found[1]
        if row.is_refresh_active(utcnow()) and row.operator.may_use_api():
            # A refresh token is not used at resource servers: nothing is counted.
            return {
                "active": True,
                "credential": "oauth_refresh_token",
                "scope": row.scope,
                "client_id": row.client.client_id,
                "username": row.operator.username,
                "sub": str(row.operator_id),
                "exp": timestamp(row.refresh_expires_at),
                "iat": timestamp(row.issued_at),
                "iss": issuer(),
            }, {}
    return dict(INACTIVE), {}


def claims(active: ActiveCredential) -> dict:
    """RFC 7662 §2.2 members for an active credential, plus idp's own."""
    body = {
        "active": True,
        "credential": active.kind.value,
        "scope": SCOPE,
        "username": active.username,
        "sub": str(active.operator_id),
        "iat": active.iat,
        "iss": issuer(),
        "permissions": active.permissions,
    }
    if active.kind in BEARER_KINDS:
        body["token_type"] = "Bearer"
    if active.client_id is not None:
        body["client_id"] = active.client_id
    if active.exp is not None:
        body["exp"] = active.exp
    return body
