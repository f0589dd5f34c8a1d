"""Client authentication for the token, introspection and revocation endpoints.

A client proves itself with its ID and secret, in HTTP Basic or in the form
(RFC 6749 §2.3.1). Secrets are argon2 hashes, slow on purpose, and resource
servers authenticate on every introspection, so a verified (ID, secret) pair is
remembered, as an HMAC under the app's key, until a change names the client
(idp.changes): no argon2 per call, even while Redis is down. An unknown ID costs
the same constant argon2 check as a wrong secret, so answers tell no IDs apart;
failed attempts are counted per client ID and per source address (``limits``)
and, past ``CLIENT_AUTH_FAILURE_LIMIT``, refused before any hashing.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Hashable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.errors import UnauthorizedClientError
from flask import current_app
from flask import request as flask_request

from idp.audit.log import acting
from idp.changes import reading
from idp.changes import writing
from idp.credentials.models import OAuthClient
from idp.credentials.usage import record_client_use
from idp.database import find
from idp.extensions import db
from idp.ratelimit import failure_throttle
from idp.security import keyed_digest
from idp.security import verify_password

if TYPE_CHECKING:
    from authlib.oauth2.rfc6749 import OAuth2Request
    from flask import Request

METHODS = ["client_secret_basic", "client_secret_post"]
#: Capabilities a client may be required to hold, and what each lets it do.
CAPABILITIES = {"may_introspect": "introspect"}


@dataclass(frozen=True)
class AuthenticatedClient:
    """What the endpoints need of a client whose secret was verified.

    Remembered instead of the ORM row, which cannot outlive its session.
    """

    id: int
    client_id: str
    may_introspect: bool

    def get_client_id(self) -> str:
        return self.client_id

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in METHODS


class ClientAuthenticationFailed(InvalidClientError):
    """One answer for every failed client authentication, with the challenge.

    Authlib's names the methods as a Python list and its challenge has no realm,
    which RFC 7617 §2 requires.
    """

    status_code = 401

    def __init__(self) -> None:
        super().__init__(description="Client authentication failed.")

    def get_headers(self) -> list[tuple[str, str]]:
        challenge = (
            f'Basic realm="idp", error="{self.error}", '
            f'error_description="{self.description}"'
        )
        return [*OAuth2Error.get_headers(self), ("WWW-Authenticate", challenge)]


class ClientAuthenticationThrottled(OAuth2Error):
    """Too many failures for this client ID or address: refused without hashing."""

    error = "invalid_client"
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            description="Too many failed client authentications; try again later."
        )
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


def require_client(
    request: OAuth2Request, capability: str | None = None, methods: list[str] = METHODS
) -> AuthenticatedClient:
    """The verified calling client, holding ``capability`` if one is named.

    401 invalid_client when no method proves a client (RFC 7662 §2.1), 403
    unauthorized_client when the client lacks the capability (for example
    ``"may_introspect"``): told plainly rather than given a misleading answer.
    """
    for method in methods:
        client = verify_client(request, method)
        if client is not None:
            break
    else:
        raise ClientAuthenticationFailed()
    request.client = client
    acting("client", client.client_id)
    if capability is not None and not getattr(client, capability):
        raise UnauthorizedClientError(
            f"This client is not allowed to {CAPABILITIES[capability]}.",
            status_code=403,
        )
    record_client_use(client.id)
    return client


def verify_client(request: OAuth2Request, method: str) -> AuthenticatedClient | None:
    """The client that ``method``'s credentials in ``request`` prove, or None.

    Authlib's own methods say "The client does not exist on this server" for an
    unknown ID and skip the hash, which tells an attacker which IDs exist; here
    unknown and wrong answer alike, in equal time.
    """
    basic = basic_credentials(request)
    basic_id = basic[0]
    if basic_id is not None and "client_secret" in request.form:
        # RFC 6749 §2.3: one authentication method per request.
        raise InvalidRequestError("Use one client authentication method.")
    if basic_id is not None and (request.form.get("client_id") or basic_id) != basic_id:
        raise InvalidRequestError("The client_id differs from the authenticated one.")
    client_id, secret = (
        basic
        if method == "client_secret_basic"
        else (request.form.get("client_id"), request.form.get("client_secret"))
    )
    if not client_id or not secret:
        return None
    return verify_client_secret(client_id, secret)


def verify_client_secret(client_id: str, secret: str) -> AuthenticatedClient | None:
    """The client these credentials name, or None (see the module's docstring)."""
    reading.ensure_begun()
    key = ("client", keyed_digest(f"{client_id}\0{secret}"))
    remembered = reading.recall(key)
    if remembered is not None:
        return remembered
    # After a client change every thread asks at once: one hashes, the others
    # wait for its answer instead of each paying argon2's time and memory.
    with _single_flight(key):
        remembered = reading.recall(key)
        if remembered is not None:
            return remembered
        failures = _failure_keys(client_id)
        retry_after = failure_throttle().failures_exceeded(failures, _failure_limit())
        if retry_after:
            raise ClientAuthenticationThrottled(retry_after)
        client = find(OAuthClient, client_id=client_id)
        ok, new_hash = verify_password(client and client.secret_hash, secret)
        if not ok:
            failure_throttle().count_failures(failures, _failure_limit())
            return None
        if new_hash:
            client.secret_hash = new_hash
            db.session.commit()
        authenticated = AuthenticatedClient(
            id=client.id,
            client_id=client.client_id,
            may_introspect=client.may_introspect,
        )
        reading.remember(key, authenticated, (writing.tag("client", client.id),))
        return authenticated


def _failure_keys(client_id: str) -> list[str]:
    """Per client ID (digested: any length, no clear text) and per address."""
    named = hashlib.sha256(client_id.encode(errors="replace")).hexdigest()[:32]
    return [f"client:{named}", f"address:{flask_request.remote_addr}"]


def _failure_limit() -> str:
    return str(current_app.config["CLIENT_AUTH_FAILURE_LIMIT"])


def basic_credentials(
    request: OAuth2Request | Request, header: str = "Authorization"
) -> tuple[str | None, str | None]:
    """RFC 6749 §2.3.1: the client ID and secret, form-encoded, in HTTP Basic.

    Authlib decodes them with unquote, so a '+' stays a '+', and fails with a 500
    on bytes that are not UTF-8. A header that does not decode names no client.
    """
    scheme, _, value = request.headers.get(header, "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        pair = base64.b64decode(value.strip(), validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError both are
        return None, None
    client_id, colon, secret = pair.partition(":")
    if not colon:
        return None, None
    return unquote_plus(client_id), unquote_plus(secret)


_flights: dict[Hashable, list] = {}
_flights_lock = threading.Lock()


@contextmanager
def _single_flight(key: Hashable) -> Iterator[None]:
    """One thread of this process at a time for ``key``; others wait their turn."""
    with _flights_lock:
        flight = _flights.setdefault(key, [threading.Lock(), 0])
        flight[1] += 1
    try:
        with flight[0]:
            yield
    finally:
        with _flights_lock:
            flight[1] -= 1
            if flight[1] == 0:
                del _flights[key]
