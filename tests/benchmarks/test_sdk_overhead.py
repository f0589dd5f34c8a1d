"""The SDK's own cost per request, beyond the introspection round trip.

The goal is under 1 ms. Figures are printed, not asserted: timing asserts fail on busy
CI machines and teach nothing. Run with::

    .venv/bin/python -m pytest tests/benchmarks/test_sdk_overhead.py -m benchmark
"""

import json
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import pytest
import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder

from idp_client import PRINCIPAL_KEY
from idp_client import IdpMiddleware
from idp_client import Introspection
from idp_client import Introspector
from idp_client.flask import IdpAuth

pytestmark = pytest.mark.benchmark

REQUESTS = 2_000
ROUNDS = 3
IDP_URL = "http://idp.invalid"
ANSWER = {
    "active": True,
    "credential": "oauth_access_token",
    "token_type": "Bearer",
    "scope": "public-api",
    "client_id": "reports-script",
    "username": "alice",
    "sub": "42",
    "exp": 1764110000,
    "iat": 1764106400,
    "iss": IDP_URL,
    "permissions": {
        "api_access": True,
        "manage_users": False,
        "manage_clients": False,
        "modules": {
            "tickets": {
                "add": "none",
                "edit": "own",
                "delete": "none",
                "inquire": "all",
            }
        },
    },
    "rate_limit": {
        "limit": 30,
        "remaining": 29,
        "reset": 1764106460,
        "exceeded": False,
    },
}
HEADERS = {
    "Content-Type": "application/json",
    "RateLimit-Limit": "30",
    "RateLimit-Remaining": "29",
    "RateLimit-Reset": "60",
}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class CannedTransport(BaseAdapter):
    """A requests transport that answers every introspection at once, no socket."""

    def __init__(self) -> None:
        super().__init__()
        self.body = json.dumps(ANSWER).encode()

    def send(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        """Return the canned 200 answer."""
        response = requests.Response()
        response.status_code = 200
        response._content = self.body
        response.headers = CaseInsensitiveDict(HEADERS)
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close."""


class ParsedIntrospector(Introspector):
    """Hands back one parsed answer: what is left is the decision and WSGI plumbing."""

    def __init__(self, answer: Introspection) -> None:
        # No session: this introspector never goes to the network.
        self.answer = answer

    def introspect(
        self, token: str, token_type_hint: str | None = None
    ) -> Introspection:
        """Return the same answer for any token."""
        return self.answer


def resource(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """A minimal resource: reads the principal when there is one."""
    environ.get(PRINCIPAL_KEY)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def flask_resource(protected: Introspector | None) -> Flask:
    """The same resource as a Flask view, protected by IdpAuth when given one."""
    app = Flask(__name__)
    if protected is not None:
        IdpAuth(app, introspector=protected)

    @app.get("/api/dashboard")
    def dashboard() -> str:
        return "ok"

    return app


def per_request_us(app: WsgiApp, environ: dict[str, Any]) -> float:
    """Best-of-ROUNDS microseconds per request through ``app``."""

    def start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        return None

    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            for _chunk in app(dict(environ), start_response):
                pass
        best = min(best, (time.perf_counter() - started) / REQUESTS)
    return best * 1e6


def canned_introspector() -> Introspector:
    """A real Introspector whose transport answers instantly."""
    introspector = Introspector(IDP_URL, "tickets-api", "secret")
    introspector.session.mount("http://", CannedTransport())
    return introspector


def test_sdk_overhead_per_request(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the SDK's cost per request with introspection itself made free."""
    environ = EnvironBuilder(
        path="/api/dashboard", headers={"Authorization": "Bearer at_benchmark0123"}
    ).get_environ()
    with canned_introspector() as introspector:
        parsed = ParsedIntrospector(introspector.introspect("at_benchmark0123"))
        figures = {
            "bare WSGI app": per_request_us(resource, environ),
            "IdpMiddleware, parsed answer": per_request_us(
                IdpMiddleware(resource, parsed),
                environ,  # type: ignore[arg-type]
            ),
            "IdpMiddleware, canned HTTP": per_request_us(
                IdpMiddleware(resource, introspector), environ
            ),
            "bare Flask app": per_request_us(flask_resource(None), environ),
            "IdpAuth (Flask), canned HTTP": per_request_us(
                flask_resource(introspector), environ
            ),
        }
    with capsys.disabled():
        print(f"\nSDK overhead per request ({REQUESTS} requests, best of {ROUNDS}):")
        for name, micros in figures.items():
            print(f"  {name:32} {micros:8.1f} µs")
        wsgi = figures["IdpMiddleware, canned HTTP"] - figures["bare WSGI app"]
        flask = figures["IdpAuth (Flask), canned HTTP"] - figures["bare Flask app"]
        print(f"  overhead, WSGI middleware        {wsgi:8.1f} µs (goal < 1000)")
        print(f"  overhead, Flask extension        {flask:8.1f} µs (goal < 1000)")
