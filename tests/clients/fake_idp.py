"""A fake idp: the introspection and token contract from an in-memory table.

It is served over real HTTP on loopback, so the SDK is tested through the same HTTP
stack that meets idp in production.
"""

import itertools
import json
import threading
import time
from typing import Any

from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

RESOURCE_SERVER = ("tickets-api", "tickets-api-secret")
SCRIPT_CLIENT = ("reports-script", "reports-script-secret")
USERS = {"alice": "wonderland"}
TIMEOUT = (0.5, 0.5)


class FakeIdp:
    """The idp contract from an in-memory table: introspection and token endpoint.

    Refresh tokens rotate: each refresh issues a new one, and reusing an old one
    answers ``invalid_grant``, as idp does.
    """

    def __init__(self) -> None:
        self.url = ""
        self.clients = dict([RESOURCE_SERVER, SCRIPT_CLIENT])
        self.credentials: dict[str, dict[str, Any]] = {}
        self.introspected: list[dict[str, str]] = []
        self.expires_in = 3600
        self.refresh_delay = 0.0
        self.logins = 0
        self.refresh_calls = 0
        self.live_refresh_tokens: dict[str, str] = {}
        self.release = threading.Event()
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def add_credential(
        self,
        secret: str,
        *,
        modules: dict[str, dict[str, str]] | None = None,
        exceeded: bool = False,
        credential: str = "oauth_access_token",
    ) -> None:
        """Make ``secret`` an active credential of alice with these module levels."""
        now = int(time.time())
        self.credentials[secret] = {
            "active": True,
            "credential": credential,
            "token_type": "Bearer",
            "scope": "public-api",
            "client_id": SCRIPT_CLIENT[0],
            "username": "alice",
            "sub": "42",
            "exp": now + 3600,
            "iat": now,
            "iss": self.url,
            "permissions": {
                "api_access": True,
                "manage_users": False,
                "manage_clients": False,
                "modules": modules or {},
            },
            "rate_limit": {
                "limit": 30,
                "remaining": 0 if exceeded else 29,
                "reset": now + 60,
                "exceeded": exceeded,
            },
        }

    def revoke_refresh_tokens(self) -> None:
        """Revoke every live refresh token, as idp does after a reuse."""
        self.live_refresh_tokens.clear()

    @Request.application
    def __call__(self, request: Request) -> Response:
        """Route to the endpoint the contract names."""
        if request.path == "/api/echo":
            return _json({"authorization": request.headers.get("Authorization")})
        client = self._authenticate_client(request)
        if client is None:
            return _json(
                {"error": "invalid_client"}, 401, {"WWW-Authenticate": "Basic"}
            )
        if request.path == "/oauth/introspect":
            return self._introspect(request)
        if request.path == "/oauth/token":
            return self._token(request)
        return _json({"error": "not_found"}, 404)

    def _authenticate_client(self, request: Request) -> str | None:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return None
        if self.clients.get(auth.username) != auth.password:
            return None
        return auth.username

    def _introspect(self, request: Request) -> Response:
        token = request.form["token"]
        self.introspected.append(dict(request.form))
        if token == "slow":
            self.release.wait(5)
        if token == "crash":
            return Response("upstream exploded", 502)
        answer = self.credentials.get(token)
        if answer is None:
            return _json({"active": False})
        window = answer["rate_limit"]
        headers = {
            "RateLimit-Limit": str(window["limit"]),
            "RateLimit-Remaining": str(window["remaining"]),
            "RateLimit-Reset": str(window["reset"] - int(time.time())),
        }
        if window["exceeded"]:
            headers["Retry-After"] = headers["RateLimit-Reset"]
        return _json(answer, 200, headers)

    def _token(self, request: Request) -> Response:
        grant_type = request.form.get("grant_type")
        if grant_type == "password":
            username = request.form.get("username", "")
            if USERS.get(username) != request.form.get("password"):
                return _json({"error": "invalid_grant"}, 400)
            with self._lock:
                self.logins += 1
            return _json(self._issue(username))
        if grant_type == "refresh_token":
            with self._lock:
                self.refresh_calls += 1
            # Widen the window in which a second, unlocked refresh would arrive.
            time.sleep(self.refresh_delay)
            with self._lock:
                username = self.live_refresh_tokens.pop(
                    request.form.get("refresh_token", ""), None
                )
            if username is None:
                return _json({"error": "invalid_grant"}, 400)
            return _json(self._issue(username))
        return _json({"error": "unsupported_grant_type"}, 400)

    def _issue(self, username: str) -> dict[str, Any]:
        serial = next(self._serial)
        refresh_token = f"rt-{serial}"
        with self._lock:
            self.live_refresh_tokens[refresh_token] = username
        return {
            "access_token": f"at-{serial}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": refresh_token,
            "scope": "public-api",
        }


class FakeIdpServer:
    """Serve a FakeIdp from a thread on an ephemeral loopback port."""

    def __init__(self, idp: FakeIdp) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, idp, threaded=True, request_handler=_QuietHandler
        )
        idp.url = f"http://127.0.0.1:{self.server.server_port}"
        self.idp = idp
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )
        self.thread.start()
        self._stopped = False

    def stop(self) -> None:
        """Stop serving and close the port; later connections are refused."""
        if self._stopped:
            return
        self._stopped = True
        self.idp.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _QuietHandler(WSGIRequestHandler):
    """Keep the fake's access log out of the test output."""

    def log_request(self, *args: Any) -> None:
        pass


def _json(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer, as idp gives."""
    return Response(json.dumps(body), status, headers, mimetype="application/json")
