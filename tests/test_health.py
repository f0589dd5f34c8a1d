"""Probes for load balancers, and JSON answers for URLs and methods that don't exist."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound

from idp import create_app


def test_healthz_says_the_process_is_alive(client: FlaskClient) -> None:
    """/healthz checks nothing but the process."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_ready_when_database_and_redis_answer(client: FlaskClient) -> None:
    """/readyz: 200 and each dependency ok."""
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_is_degraded_not_down_when_redis_is_down(client: FlaskClient) -> None:
    """Introspection serves without Redis: a load balancer must keep the instance."""
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0")
def test_strict_readyz_requires_redis(client: FlaskClient) -> None:
    """For monitoring that wants Redis too."""
    response = client.get("/readyz?strict=1")

    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


@pytest.mark.config(REDIS_URL=None)
def test_readyz_without_redis_configured_is_ready(client: FlaskClient) -> None:
    """The embedded default runs without Redis, and is ready."""
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured"},
    }


def test_readyz_is_unavailable_when_the_database_is_down() -> None:
    """An unreachable database makes the server not ready: 503."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql+psycopg://idp@127.0.0.1:1/idp",
            "REDIS_URL": None,
        }
    )

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "redis": "not configured"},
    }


def test_unknown_api_url_is_a_problem_details_404(client: FlaskClient) -> None:
    """Under /api every error is RFC 9457 problem details."""
    response = client.get("/api/v1/nope")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": NotFound.description,
    }


@pytest.mark.parametrize("path", ["/nope", "/oauth/nope"])
def test_unknown_url_is_a_json_404(client: FlaskClient, path: str) -> None:
    """Machine endpoints never answer with an HTML page."""
    response = client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json == {
        "error": "not_found",
        "error_description": NotFound.description,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/oauth/token"), ("GET", "/oauth/introspect"), ("PUT", "/oauth/revoke")],
)
def test_wrong_method_is_a_json_405_with_allow(
    client: FlaskClient, method: str, path: str
) -> None:
    """RFC 9110 §15.5.6: a 405 names the allowed methods."""
    response = client.open(path, method=method)

    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.json == {
        "error": "method_not_allowed",
        "error_description": MethodNotAllowed.description,
    }
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_health_probes_refuse_post_with_a_json_405(client: FlaskClient) -> None:
    """Probes are GET only (HEAD and OPTIONS follow)."""
    response = client.post("/healthz")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/oauth/token", {"data": {"grant_type": "password", "x": "a" * 2_000_000}}),
        ("/oauth/introspect", {"data": {"token": "a" * 2_000_000}}),
    ],
)
def test_a_body_past_the_limit_is_413_before_parsing(client, path, kwargs):
    response = client.post(path, **kwargs)

    assert response.status_code == 413
    assert response.is_json
