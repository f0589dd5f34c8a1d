"""A database that refuses writes or is gone answers 503, briefly logged, not 500."""

from __future__ import annotations

import logging

import pytest

from idp import create_app
from tests.admin.conftest import AdminActions
from tests.admin.conftest import assert_problem
from tests.hardening.conftest import read_only


@pytest.fixture
def owner(oauth_actions):
    return AdminActions(oauth_actions).login("owner", is_owner=True)


def test_a_write_on_a_read_only_database_is_a_503(client, owner, read_only_database):
    response = client.post("/api/v1/profiles", json={"name": "support"}, headers=owner)
    body = assert_problem(response, 503)
    assert "database" in body["detail"]
    assert response.headers["Retry-After"].isdigit()


def test_an_oauth_write_on_a_read_only_database_is_a_503_in_oauth_format(
    oauth_actions, app
):
    oauth_actions.operator("alice")
    _, secret = oauth_actions.oauth_client()
    with read_only(app):
        response = oauth_actions.password_grant(
            "script", secret, "alice", "correct horse"
        )
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"


def test_introspection_works_on_a_read_only_database(oauth_actions, app):
    """Last use is recorded best-effort: a refused write must not fail the answer."""
    resource_server = oauth_actions.resource_server()
    login = oauth_actions.login()
    with read_only(app):
        for _ in range(2):
            response = oauth_actions.introspect(resource_server, login["access_token"])
            assert response.status_code == 200, response.json
            assert response.json["active"] is True


def test_readyz_says_a_read_only_database_is_not_ready(client, read_only_database):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "read-only"


def test_an_outage_is_logged_once_per_interval_with_a_count(caplog, monkeypatch):
    """Not a traceback per request: one line, then how many followed.

    The clock is held still, so a slow machine cannot stretch the 50 requests
    over two intervals; then it moves past the interval and the count appears.
    """
    now = [1_000_000.0]
    monkeypatch.setattr("idp.logs.time.monotonic", lambda: now[0])
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql+psycopg://idp@127.0.0.1:1/idp",
            "REDIS_URL": None,
        }
    )
    caplog.set_level(logging.INFO)
    client = app.test_client()

    def call() -> None:
        response = client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer idp_pat_{'a' * 43}"}
        )
        assert response.status_code == 503

    for _ in range(50):
        call()
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].exc_info is None
    assert "database unavailable" in lines[0].getMessage()

    now[0] += 11
    call()
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2, [r.getMessage() for r in lines]
    assert "(and 49 times more in the last 10 s)" in lines[1].getMessage()
