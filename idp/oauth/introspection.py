"""RFC 7662 token introspection for resource servers: the hot path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from idp import metrics
from idp.credentials import read
from idp.credentials.active import ActiveCredential
from idp.credentials.usage import record_use
from idp.events.outbox import rate_limit_exceeded
from idp.oauth.client_auth import METHODS
from idp.oauth.client_auth import require_client
from idp.oauth.schemas import IntrospectionSchema
from idp.oauth.schemas import RateLimitWindowSchema
from idp.oauth.server import TOKEN_ENDPOINT_PARAMETERS
from idp.oauth.server import check_form_request
from idp.ratelimit.headers import ratelimit_headers

if TYPE_CHECKING:
    from authlib.oauth2.rfc6749 import OAuth2Request

    from idp.ratelimit.limiter import Window

INACTIVE = {"active": False}


class IntrospectionEndpoint(_IntrospectionEndpoint):
    """Answers for every credential kind; each active answer counts one request."""

    CLIENT_AUTH_METHODS = METHODS

    def create_endpoint_response(
        self, request: OAuth2Request
    ) -> tuple[int, dict, list[tuple[str, str]]]:
        # A token holding NUL is no token idp issued: inactive, or nothing to
        # revoke; resource servers forward what their callers send.
        check_form_request(TOKEN_ENDPOINT_PARAMETERS, refuse_nul=False)
        token = request.form.get("token")

        def work() -> ActiveCredential | None:
            # Only resource servers registered for it may ask.
            require_client(request, "may_introspect")
            if not token:
                raise InvalidRequestError("Missing 'token' in request.")
            # token_type_hint is only a hint (RFC 7662 §2.1): every kind is
            # recognised by its prefix, so an unknown hint changes nothing.
            # Authlib answers an unknown hint with a 401 instead.
            return read.resolve(token)

        active, window = read.counted_read(work, lambda active: active)
        introspection_result(metrics.INTROSPECT, active, window)
        if active is None:
            return 200, dict(INACTIVE), default_json_headers
        headers = []
        body = claims(active)
        if window is not None:
            record_use(active)
            if window.crossed:
                rate_limit_exceeded(active.username, window)
            body["rate_limit"] = _WINDOW.dump(window)
            headers = list(ratelimit_headers(window).items())
        return 200, body, default_json_headers + headers


#: The credential's members; the endpoint adds the window it counted.
_CLAIMS = IntrospectionSchema(exclude=("rate_limit",))
_WINDOW = RateLimitWindowSchema()


def claims(active: ActiveCredential) -> dict:
    """RFC 7662 §2.2 members for an active credential, plus idp's own."""
    return _CLAIMS.dump(active)


def introspection_result(
    counters: dict, active: ActiveCredential | None, window: Window | None
) -> None:
    """Count one verdict: inactive, active, or active but over its limit."""
    if active is None:
        counters["inactive"].inc()
    elif window is not None and window.exceeded:
        counters["exceeded"].inc()
    else:
        counters["active"].inc()
