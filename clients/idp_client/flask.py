"""IdpAuth: the Flask extension, on the same decision as the WSGI middleware.

``IdpAuth(app)`` or ``idp.init_app(app)`` protects every view of the app, except those
marked ``@public``; ``@require_permission(module, action)`` adds a module check.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import TypeVar
from typing import cast

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from werkzeug.local import LocalProxy

from .decision import Decision
from .decision import authenticate
from .decision import authorize
from .introspection import DEFAULT_TIMEOUT
from .introspection import Introspection
from .introspection import Introspector

F = TypeVar("F", bound=Callable[..., Any])

EXTENSION_KEY = "idp"
REQUIRED_KEYS = ("IDP_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET")

current_principal = cast(Introspection, LocalProxy(lambda: g.get("idp_principal")))
"""The caller of the current request (an Introspection), None in a public view."""


@dataclass(frozen=True, slots=True)
class _State:
    introspector: Introspector
    realm: str


class IdpAuth:
    """Flask extension: introspect every request's credential before its view runs.

    Configuration: ``IDP_URL``, ``IDP_CLIENT_ID`` and ``IDP_CLIENT_SECRET`` (the
    resource server's own client, allowed to introspect), ``IDP_TIMEOUT`` (seconds, or
    ``(connect, read)``, or ``"connect,read"``) and ``IDP_REALM`` (default ``api``).
    Pass ``introspector`` to use one built elsewhere instead.
    """

    def __init__(
        self, app: Flask | None = None, *, introspector: Introspector | None = None
    ) -> None:
        self.introspector = introspector
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the checks on ``app``; stop if its configuration is incomplete."""
        introspector = self.introspector or _introspector_from_config(app.config)
        realm = app.config.get("IDP_REALM", "api")
        app.extensions[EXTENSION_KEY] = _State(introspector, realm)
        app.before_request(_authenticate_request)
        app.after_request(_add_rate_limit_headers)


def public(view: F) -> F:
    """Mark a view that needs no credential (a health check, say)."""
    view.idp_public = True  # type: ignore[attr-defined]
    return view


def require_permission(module: str, action: str) -> Callable[[F], F]:
    """Answer 403 unless the caller's level for ``action`` on ``module`` is own or all.

    The view finds the level in ``g.idp_permission_level``: ``own`` means it must still
    check that the record belongs to the caller.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = g.get("idp_principal")
            if principal is None:
                raise RuntimeError(
                    f"{view.__name__} requires a permission but no caller was "
                    "authenticated: is IdpAuth initialised and the view not public?"
                )
            decision = authorize(principal, module, action)
            if not decision.allowed:
                return _refusal(decision)
            g.idp_permission_level = principal.permissions.level(module, action)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def _authenticate_request() -> Response | None:
    """before_request: refuse the request, or record its caller in ``g``."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "idp_public", False):
        return None
    state: _State = current_app.extensions[EXTENSION_KEY]
    decision = authenticate(
        request.headers.get("Authorization"), state.introspector, state.realm
    )
    if not decision.allowed:
        return _refusal(decision)
    g.idp_principal = decision.principal
    g.idp_headers = decision.headers
    return None


def _add_rate_limit_headers(response: Response) -> Response:
    """after_request: pass idp's ``RateLimit-*`` headers through to the caller."""
    for name, value in g.get("idp_headers", ()):
        response.headers.setdefault(name, value)
    return response


def _refusal(decision: Decision) -> Response:
    """The JSON error response for a refused request."""
    response = Response(
        decision.body(), status=decision.status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    for name, value in decision.headers:
        response.headers[name] = value
    return response


def _introspector_from_config(config: dict[str, Any]) -> Introspector:
    """Build the Introspector from ``IDP_*`` keys; a missing key stops startup."""
    missing = [key for key in REQUIRED_KEYS if not config.get(key)]
    if missing:
        raise RuntimeError(f"idp_client: set {', '.join(missing)} to protect this app")
    return Introspector(
        config["IDP_URL"],
        config["IDP_CLIENT_ID"],
        config["IDP_CLIENT_SECRET"],
        timeout=_timeout(config.get("IDP_TIMEOUT", DEFAULT_TIMEOUT)),
    )


def _timeout(value: object) -> float | tuple[float, float]:
    """Read ``IDP_TIMEOUT``: ``2``, ``"2"``, ``(1, 3)`` or ``"1,3"`` (connect, read)."""
    if isinstance(value, str):
        value = value.split(",") if "," in value else value
    if isinstance(value, list | tuple) and len(value) == 2:
        return (float(value[0]), float(value[1]))
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return float(value)
    raise RuntimeError(
        f"idp_client: IDP_TIMEOUT must be seconds or (connect, read), not {value!r}"
    )
