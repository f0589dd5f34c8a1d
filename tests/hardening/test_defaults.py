"""Safe defaults: no framing, no password grant for resource servers, revived tokens."""

from __future__ import annotations

import datetime as dt

import pytest

from idp import timeutil


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/healthz", "/nope"])
def test_no_page_can_be_framed(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_page_with_its_own_policy_keeps_it_and_refuses_framing(app):
    @app.get("/with-policy")
    def with_policy():
        return "x", 200, {"Content-Security-Policy": "default-src 'self'"}

    response = app.test_client().get("/with-policy")
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in policy


def test_an_introspecting_client_gets_no_password_grant_unless_asked(runner):
    created = runner.invoke(args=["client", "create", "rs", "--introspect", "--json"])
    assert created.exit_code == 0, created.output
    assert '"password_grant": false' in created.output
    asked = runner.invoke(
        args=["client", "create", "rs2", "--introspect", "--password-grant", "--json"]
    )
    assert '"password_grant": true' in asked.output
    plain = runner.invoke(args=["client", "create", "script", "--json"])
    assert '"password_grant": true' in plain.output


def test_an_introspecting_client_made_over_the_api_gets_no_password_grant(
    oauth_actions,
):
    from tests.admin.conftest import AdminActions

    owner = AdminActions(oauth_actions).login("owner", is_owner=True)
    response = oauth_actions.http.post(
        "/api/v1/clients", json={"client_id": "rs", "introspect": True}, headers=owner
    )
    assert response.status_code == 201, response.json
    assert response.json["password_grant"] is False


@pytest.fixture
def clock(monkeypatch):
    """idp's clock, moved by hand."""
    now = [dt.datetime(2030, 1, 1, tzinfo=dt.UTC)]
    monkeypatch.setattr(timeutil, "_clock", lambda: now[0])
    return now
