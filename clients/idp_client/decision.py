"""The one decision behind both the WSGI middleware and the Flask extension.

Given the ``Authorization`` header, ask idp and say whether to serve the request, and
if not, which answer to give: 401 (RFC 6750 §3.1), 429 with ``Retry-After``, 503 when
idp cannot be asked, 500 when this resource server is misconfigured, or 403 when the
operator's level for a module and action is ``none``.
"""

import json
import logging
from dataclasses import dataclass

from .credentials import MalformedCredential
from .credentials import read_credential
from .errors import IdpMisconfigured
from .errors import IdpUnavailable
from .introspection import Introspection
from .introspection import Introspector

logger = logging.getLogger("idp_client")

GRANTED_LEVELS = frozenset({"own", "all"})
#: The credential kinds a resource server serves (introspection's `credential`).
RESOURCE_CREDENTIALS = frozenset(
    {"oauth_access_token", "personal_access_token", "api_account", "api_key"}
)


@dataclass(frozen=True, slots=True)
class Decision:
    """Serve the request (``error`` is None) or answer ``status`` with a JSON error."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    principal: Introspection | None = None
    error: str | None = None
    error_description: str | None = None

    @property
    def allowed(self) -> bool:
        """True when the request may be served."""
        return self.error is None

    def body(self) -> bytes:
        """The JSON error body, ``{"error": ..., "error_description": ...}``."""
        return json.dumps(
            {"error": self.error, "error_description": self.error_description}
        ).encode()


def authenticate(
    authorization: str | None, introspector: Introspector, realm: str
) -> Decision:
    """Decide on a request from its ``Authorization`` header.

    When idp is unreachable the answer is 503, never a served request: an API that let
    requests through unchecked whenever idp is down would be open to anyone who can
    make idp slow.
    """
    try:
        credential = read_credential(authorization)
    except MalformedCredential as exc:
        logger.debug("refusing a malformed credential: %s", exc)
        return _invalid_token(realm, "The credential is malformed.")
    if credential is None:
        # RFC 6750 §3.1: no error code when the request had no credential at all.
        return Decision(
            401,
            headers=(("WWW-Authenticate", f"Bearer realm={_quote(realm)}"),),
            error="unauthorized",
            error_description="This API needs a credential: "
            "Authorization: Bearer <token>.",
        )
    try:
        principal = introspector.introspect(credential.secret)
    except IdpUnavailable as exc:
        logger.warning("refusing with 503, idp unavailable: %s", exc)
        return Decision(
            503,
            error="temporarily_unavailable",
            error_description="The authorization server cannot be reached; "
            "try again later.",
        )
    except IdpMisconfigured as exc:
        logger.error("refusing with 500: %s", exc)
        return Decision(
            500,
            error="server_error",
            error_description="This API cannot check credentials; "
            "its authorization settings are wrong.",
        )
    if not principal.active:
        logger.debug("inactive %s credential %s...", credential.kind, credential.prefix)
        return _invalid_token(realm, "The credential is unknown, expired or revoked.")
    if principal.credential not in RESOURCE_CREDENTIALS:
        # A refresh token is active at introspection too, but it is for the token
        # endpoint only: idp counts nothing for it and revoking the access token
        # leaves it working (RFC 6749 §1.5).
        logger.debug("%s sent to a resource server", principal.credential)
        return _invalid_token(realm, "This credential is not for resource servers.")
    if principal.rate_limited:
        return Decision(
            429,
            headers=(("Retry-After", str(principal.retry_after)), *principal.headers),
            principal=principal,
            error="rate_limit_exceeded",
            error_description="Too many requests; "
            f"try again in {principal.retry_after} seconds.",
        )
    return Decision(200, headers=principal.headers, principal=principal)


def authorize(principal: Introspection, module: str, action: str) -> Decision:
    """Serve when the operator's level for ``action`` on ``module`` is own or all.

    ``own`` is handed to the view to interpret: only it knows who owns a record.
    """
    level = principal.permissions.level(module, action)
    if level in GRANTED_LEVELS:
        return Decision(200, headers=principal.headers, principal=principal)
    return Decision(
        403,
        headers=principal.headers,
        principal=principal,
        error="insufficient_permission",
        error_description=f"This request needs the {action!r} permission "
        f"on {module!r}.",
    )


def _invalid_token(realm: str, description: str) -> Decision:
    """A 401 with RFC 6750's ``invalid_token`` in the challenge and the body."""
    challenge = (
        f'Bearer realm={_quote(realm)}, error="invalid_token", '
        f"error_description={_quote(description)}"
    )
    return Decision(
        401,
        headers=(("WWW-Authenticate", challenge),),
        error="invalid_token",
        error_description=description,
    )


def _quote(value: str) -> str:
    """An RFC 9110 §5.6.4 quoted-string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
