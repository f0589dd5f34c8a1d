"""IdpMiddleware: the answers of RFC 6750 §3.1, the rate limit and idp failures."""

import base64
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client

from idp_client import PRINCIPAL_KEY
from idp_client import IdpMiddleware
from idp_client import Introspector

from .fake_idp import RESOURCE_SERVER
from .fake_idp import TIMEOUT
from .fake_idp import FakeIdp
from .fake_idp import FakeIdpServer


def whoami(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """A bare WSGI resource that names its caller."""
    principal = environ[PRINCIPAL_KEY]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{principal.username} via {principal.credential}".encode()]


@pytest.fixture
def wsgi_client(introspector: Introspector) -> Client:
    """A test client of ``whoami`` behind IdpMiddleware."""
    return Client(IdpMiddleware(whoami, introspector, realm="tickets"))


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}


def test_missing_credential_gets_401_without_error_code(
    fake_idp: FakeIdp, wsgi_client: Client
) -> None:
    """RFC 6750 §3.1: no error attribute when the request had no credential."""
    response = wsgi_client.get("/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tickets"'
    assert response.json == {
        "error": "unauthorized",
        "error_description": "This API needs a credential: "
        "Authorization: Bearer <token>.",
    }
    assert fake_idp.introspected == []


def test_inactive_credential_gets_401_invalid_token(wsgi_client: Client) -> None:
    """RFC 6750 §3.1: an unknown, expired or revoked token is ``invalid_token``."""
    response = wsgi_client.get("/", headers=bearer("revoked"))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="tickets", error="invalid_token", '
        'error_description="The credential is unknown, expired or revoked."'
    )
    assert response.json == {
        "error": "invalid_token",
        "error_description": "The credential is unknown, expired or revoked.",
    }
    assert "RateLimit-Limit" not in response.headers


def test_malformed_credential_gets_401_without_asking_idp(
    fake_idp: FakeIdp, wsgi_client: Client
) -> None:
    """A header that cannot hold a credential is refused before any lookup."""
    response = wsgi_client.get("/", headers={"Authorization": "Bearer a b"})

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json == {
        "error": "invalid_token",
        "error_description": "The credential is malformed.",
    }
    assert fake_idp.introspected == []


def test_active_credential_is_served_with_ratelimit_headers(
    fake_idp: FakeIdp, wsgi_client: Client
) -> None:
    """The app sees the principal; idp's RateLimit headers reach the caller."""
    fake_idp.add_credential("at-1")

    response = wsgi_client.get("/", headers=bearer("at-1"))

    assert response.status_code == 200
    assert response.text == "alice via oauth_access_token"
    assert response.headers["RateLimit-Limit"] == "30"
    assert response.headers["RateLimit-Remaining"] == "29"
    assert 58 <= int(response.headers["RateLimit-Reset"]) <= 60
    assert "Retry-After" not in response.headers


def test_exceeded_rate_limit_gets_429_with_retry_after(
    fake_idp: FakeIdp, wsgi_client: Client
) -> None:
    """Over the limit: 429, Retry-After and the RateLimit headers, app not called."""
    fake_idp.add_credential("at-1", exceeded=True)

    response = wsgi_client.get("/", headers=bearer("at-1"))

    assert response.status_code == 429
    assert 58 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Limit"] == "30"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert "RateLimit-Reset" in response.headers
    assert response.json == {
        "error": "rate_limit_exceeded",
        "error_description": "Too many requests; try again in "
        f"{response.headers['Retry-After']} seconds.",
    }


def test_basic_credential_is_forwarded_as_user_colon_pass(
    fake_idp: FakeIdp, wsgi_client: Client
) -> None:
    """API accounts and keys arrive as Basic and are introspected as ``user:pass``."""
    fake_idp.add_credential("apiacct_7f3a:s3cret", credential="api_account")
    pair = base64.b64encode(b"apiacct_7f3a:s3cret").decode()

    response = wsgi_client.get("/", headers={"Authorization": f"Basic {pair}"})

    assert response.status_code == 200
    assert response.text == "alice via api_account"
    assert fake_idp.introspected == [{"token": "apiacct_7f3a:s3cret"}]


@pytest.mark.parametrize("kind", ["oauth_refresh_token", "a_kind_from_the_future"])
def test_only_credentials_for_resource_servers_are_served(
    fake_idp: FakeIdp, wsgi_client: Client, kind: str
) -> None:
    """A refresh token is active at introspection but is for the token endpoint:
    idp counts nothing for it, and revoking the access token leaves it working."""
    fake_idp.add_credential("rt-1", credential=kind)

    response = wsgi_client.get("/", headers=bearer("rt-1"))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_stopped_idp_gets_503_quickly(
    fake_idp_server: FakeIdpServer, wsgi_client: Client
) -> None:
    """idp down: refuse with 503, never serve the request unchecked."""
    fake_idp_server.idp.add_credential("at-1")
    assert wsgi_client.get("/", headers=bearer("at-1")).status_code == 200
    fake_idp_server.stop()
    started = time.monotonic()

    response = wsgi_client.get("/", headers=bearer("at-1"))

    assert time.monotonic() - started < 0.5
    assert response.status_code == 503
    assert response.json == {
        "error": "temporarily_unavailable",
        "error_description": "The authorization server cannot be reached; "
        "try again later.",
    }


def test_hung_idp_gets_503_within_the_timeout(wsgi_client: Client) -> None:
    """A hung idp holds the request no longer than the read timeout."""
    started = time.monotonic()

    response = wsgi_client.get("/", headers=bearer("slow"))

    assert response.status_code == 503
    assert time.monotonic() - started < TIMEOUT[1] + 0.5


def test_idp_refusing_our_client_gets_500_never_200(fake_idp: FakeIdp) -> None:
    """A wrong client secret is a server error of this API, not a pass."""
    fake_idp.add_credential("at-1")
    with Introspector(
        fake_idp.url, RESOURCE_SERVER[0], "wrong", timeout=TIMEOUT
    ) as bad:
        response = Client(IdpMiddleware(whoami, bad)).get("/", headers=bearer("at-1"))

    assert response.status_code == 500
    assert response.json == {
        "error": "server_error",
        "error_description": "This API cannot check credentials; "
        "its authorization settings are wrong.",
    }


def test_app_headers_win_over_passed_through_ones(fake_idp: FakeIdp) -> None:
    """Headers the app sets itself are not duplicated by the middleware."""
    fake_idp.add_credential("at-1")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("RateLimit-Limit", "7")])
        return [b""]

    with Introspector(fake_idp.url, *RESOURCE_SERVER, timeout=TIMEOUT) as client:
        response = Client(IdpMiddleware(app, client)).get("/", headers=bearer("at-1"))

    assert response.headers.getlist("RateLimit-Limit") == ["7"]
    assert response.headers["RateLimit-Remaining"] == "29"


def test_logs_show_a_prefix_never_the_token(
    caplog: pytest.LogCaptureFixture,
    fake_idp_server: FakeIdpServer,
    wsgi_client: Client,
) -> None:
    """Logs name a credential by its first 8 characters only."""
    caplog.set_level(logging.DEBUG, logger="idp_client")

    wsgi_client.get("/", headers=bearer("at_inactive0123456789"))
    fake_idp_server.stop()
    wsgi_client.get("/", headers=bearer("at_unchecked0123456789"))

    assert "at_inact..." in caplog.text
    assert "at_inactive0" not in caplog.text
    assert "at_unche" not in caplog.text
