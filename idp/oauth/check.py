"""GET /oauth/check: forward authentication for API gateways (nginx, Traefik, Envoy).

A gateway asks before passing a request on, and decides from the status alone:
200 with the caller's identity in headers, 401 with a challenge, 429 with
Retry-After. The caller's ``Authorization`` header is forwarded as it came
(Bearer for OAuth access tokens and PATs, Basic for API accounts and API keys);
the gateway proves itself in ``X-Idp-Client-Authorization`` with the Basic
credentials of a client registered to introspect. The verdict and the counting
are introspection's own (idp.credentials.read), in one request; only a live
credential whose operator lost api_access is told apart, as 403.
"""

from __future__ import annotations

import base64
import binascii
import json

from flask import Response
from flask import request

from idp import metrics
from idp.accounts.credential_kinds import CredentialKind
from idp.credentials import read
from idp.credentials.active import BEARER_KINDS
from idp.credentials.usage import record_client_use
from idp.credentials.usage import record_use
from idp.events.outbox import rate_limit_exceeded
from idp.oauth.client_auth import ClientAuthenticationThrottled
from idp.oauth.client_auth import basic_credentials
from idp.oauth.client_auth import verify_client_secret
from idp.oauth.introspection import introspection_result
from idp.oauth.views import bp
from idp.ratelimit.headers import ratelimit_headers

GATEWAY_HEADER = "X-Idp-Client-Authorization"
BASIC_KINDS = (CredentialKind.API_ACCOUNT, CredentialKind.API_KEY)


@bp.get("/oauth/check")
def check() -> Response:
    with metrics.CHECK_SECONDS.time():
        return _check()


def _check() -> Response:
    refused = _refuse_gateway()
    if refused is not None:
        return refused
    scheme, token = _presented()
    if token is None:
        return _unauthorized(scheme, "missing")
    kinds = BEARER_KINDS if scheme == "Bearer" else BASIC_KINDS
    active, window = read.counted_read(
        lambda: read.resolve(token),
        lambda active: active if active and active.kind in kinds else None,
    )
    if active is not None and active.kind not in kinds:
        active = None
    introspection_result(metrics.CHECK, active, window)
    if active is None:
        if read.lacks_api_access(token):
            return Response(status=403)  # known, but may not use the API now
        return _unauthorized(scheme, "invalid")
    record_use(active)
    if window is not None and window.crossed:
        rate_limit_exceeded(active.username, window)
    headers = ratelimit_headers(window) if window is not None else {}
    if window is not None and window.exceeded:
        return Response(status=429, headers=headers)
    headers.update(
        {
            "X-Idp-Username": active.username,
            "X-Idp-Sub": str(active.operator_id),
            "X-Idp-Credential": active.kind.value,
            "X-Idp-Permissions": json.dumps(
                active.permissions, separators=(",", ":"), sort_keys=True
            ),
        }
    )
    return Response(status=200, headers=headers)


def _refuse_gateway() -> Response | None:
    """None when a client allowed to introspect asks; else the gateway's own refusal."""
    client_id, secret = basic_credentials(request, GATEWAY_HEADER)
    challenge = {"WWW-Authenticate": 'Basic realm="idp gateway"'}
    if not client_id or not secret:
        return Response(status=401, headers=challenge)
    try:
        client = verify_client_secret(client_id, secret)
    except ClientAuthenticationThrottled as throttled:
        return Response(status=429, headers={"Retry-After": str(throttled.retry_after)})
    if client is None:
        return Response(status=401, headers=challenge)
    if not client.may_introspect:
        return Response(status=403)
    record_client_use(client.id)
    return None


def _presented() -> tuple[str, str | None]:
    """("Bearer" | "Basic", the secret as introspection takes it, or None)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return "Bearer", value
    if scheme.lower() == "basic" and value:
        try:
            pair = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "Basic", None
        return "Basic", pair if ":" in pair else None
    return "Bearer", None


def _unauthorized(scheme: str, why: str) -> Response:
    """RFC 6750 §3 for bearers; RFC 7617 for Basic pairs."""
    if scheme == "Bearer":
        challenge = 'Bearer realm="idp"'
        if why == "invalid":
            challenge += ', error="invalid_token"'
    else:
        challenge = 'Basic realm="idp"'
    return Response(status=401, headers={"WWW-Authenticate": challenge})
