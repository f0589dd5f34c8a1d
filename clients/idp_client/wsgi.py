"""IdpMiddleware: protect any WSGI application with idp introspection."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from .decision import Decision
from .decision import authenticate
from .introspection import Introspector

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

# Where the middleware leaves the Introspection of the caller for the application.
PRINCIPAL_KEY = "idp.principal"


class IdpMiddleware:
    """Introspect the credential of every request before ``app`` sees it.

    Missing or inactive credentials get 401, an operator over its rate limit 429, an
    unreachable idp 503; served responses carry the ``RateLimit-*`` headers, and the
    application finds the caller in ``environ["idp.principal"]``.
    """

    def __init__(
        self, app: WSGIApplication, introspector: Introspector, *, realm: str = "api"
    ) -> None:
        self.app = app
        self.introspector = introspector
        self.realm = realm

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        decision = authenticate(
            environ.get("HTTP_AUTHORIZATION"), self.introspector, self.realm
        )
        if not decision.allowed:
            return respond(decision, start_response)
        environ[PRINCIPAL_KEY] = decision.principal
        return self.app(environ, _adding_headers(start_response, decision.headers))


def respond(decision: Decision, start_response: StartResponse) -> list[bytes]:
    """Answer a refused request with its JSON error, for WSGI code outside Flask."""
    body = decision.body()
    status = HTTPStatus(decision.status)
    start_response(
        f"{status.value} {status.phrase}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *decision.headers,
        ],
    )
    return [body]


def _adding_headers(
    start_response: StartResponse, extra: tuple[tuple[str, str], ...]
) -> StartResponse:
    """Wrap ``start_response`` to add ``extra`` headers the application did not set."""

    def start(
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
    ) -> Callable[[bytes], object]:
        present = {name.lower() for name, _ in headers}
        headers = [*headers, *(h for h in extra if h[0].lower() not in present)]
        return start_response(status, headers, exc_info)

    return start
