"""Who calls /api/v1 and what it may do: checked here and nowhere else.

A caller authenticates with a bearer credential of an operator (an OAuth access
token or a personal access token), resolved by the same code introspection uses,
so revocation and lost rights take effect at once. Each request counts one
against the operator's rate limit, as it would at any resource API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from flask import g
from flask import request
from flask_smorest import Blueprint

from idp.accounts.models import Operator
from idp.accounts.permissions import Right
from idp.accounts.permissions import has_right
from idp.audit.log import acting
from idp.credentials import read
from idp.credentials.active import BEARER_KINDS
from idp.credentials.usage import record_use
from idp.errors import ApiError
from idp.events.outbox import rate_limit_exceeded
from idp.extensions import db
from idp.ratelimit.headers import ratelimit_headers

if TYPE_CHECKING:
    from flask import Response
    from flask.typing import ResponseReturnValue

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="idp"'}
#: The OpenAPI security requirement of every view behind :func:`require`
#: (the "bearer" scheme is declared in idp.admin.openapi).
SECURITY = [{"bearer": []}]


def authenticate_bearer() -> Operator:
    """The operator behind this request's bearer credential, or a 401/429.

    Counts the request against the operator's rate limit: call it once a request
    (:func:`require` does), then read :func:`current_operator`.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401, "Send a bearer token: Authorization: Bearer <token>.", CHALLENGE
        )
    active, window = read.counted_read(
        lambda: read.resolve(token),
        lambda active: active if active and active.kind in BEARER_KINDS else None,
    )
    if active is None or active.kind not in BEARER_KINDS:
        raise ApiError(
            401,
            "The token is unknown, expired or revoked.",
            {"WWW-Authenticate": 'Bearer realm="idp", error="invalid_token"'},
        )
    record_use(active)
    if window.crossed:
        rate_limit_exceeded(active.username, window)
    g.ratelimit_headers = ratelimit_headers(window)
    if window.exceeded:
        raise ApiError(429, "Too many requests; see Retry-After.", g.ratelimit_headers)
    g.operator = db.session.get(Operator, active.operator_id)
    acting("operator", active.username)
    return g.operator


def current_operator() -> Operator:
    """The operator this request acts as, once :func:`require` let it in."""
    return g.operator


def require(right: Right | None = None) -> Callable:
    """Authenticate the bearer caller and, if given, require a profile right.

    The view's OpenAPI operation says it needs a bearer credential, as
    ``blp.doc(security=SECURITY)`` would: no view behind this can be documented
    as public, nor a public one as needing a bearer.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            operator = authenticate_bearer()
            if right is not None and not has_right(operator, right):
                raise ApiError(403, f"This needs the {right.value} right.")
            return view(*args, **kwargs)

        return Blueprint.doc(security=SECURITY)(wrapper)

    return decorate


def add_ratelimit_headers(response: Response) -> Response:
    """Every /api answer tells the caller where its rate limit stands."""
    response.headers.update(g.get("ratelimit_headers", {}))
    return response
