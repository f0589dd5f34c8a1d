"""GET /metrics: Prometheus text that parses, counters that move, and who may read it."""

from __future__ import annotations

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import basic

TOKEN = "metrics-token-5f1e9a7c3b"


def samples(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics by (name, sorted labels), parsed as Prometheus does."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_introspection_verdicts_and_latency_are_counted(client, oauth_actions):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    before = samples(client)
    for _ in range(3):
        assert oauth_actions.introspect(caller, login["access_token"]).json["active"]
    assert not oauth_actions.introspect(caller, "not-a-token").json["active"]
    after = samples(client)
    count = "idp_introspections_total"
    assert value(before, after, count, endpoint="introspect", result="active") == 3
    assert value(before, after, count, endpoint="introspect", result="inactive") == 1
    assert (
        value(
            before,
            after,
            "idp_introspection_duration_seconds_count",
            endpoint="introspect",
        )
        == 4
    )


@pytest.mark.config(RATE_LIMIT="2/minute")
def test_an_introspection_over_the_limit_counts_as_exceeded(client, oauth_actions):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    before = samples(client)
    for _ in range(3):
        oauth_actions.introspect(caller, login["access_token"])
    after = samples(client)
    count = "idp_introspections_total"
    assert value(before, after, count, endpoint="introspect", result="active") == 2
    assert value(before, after, count, endpoint="introspect", result="exceeded") == 1


def test_the_gateway_check_is_counted_apart(client, oauth_actions):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    before = samples(client)
    answer = client.get(
        "/oauth/check",
        headers={
            "X-Idp-Client-Authorization": basic(*caller)["Authorization"],
            "Authorization": f"Bearer {login['access_token']}",
        },
    )
    assert answer.status_code == 200
    after = samples(client)
    count = "idp_introspections_total"
    assert value(before, after, count, endpoint="check", result="active") == 1


@pytest.mark.config(REFRESH_GRACE_SECONDS=0)
def test_grants_reuse_and_login_failures_are_counted(client, oauth_actions):
    before = samples(client)
    login = oauth_actions.login()
    first = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert first.status_code == 200
    wrong = oauth_actions.password_grant("script", login["secret"], "alice", "wrong")
    assert wrong.json["error"] == "invalid_grant"
    time.sleep(1.1)  # past the (zero) grace window, at whole-second resolution
    reused = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert reused.json["error"] == "invalid_grant"
    after = samples(client)
    grants = "idp_token_requests_total"
    assert value(before, after, grants, grant_type="password", result="success") == 1
    assert (
        value(before, after, grants, grant_type="password", result="invalid_grant") == 1
    )
    assert (
        value(before, after, grants, grant_type="refresh_token", result="success") == 1
    )
    assert value(before, after, "idp_refresh_token_reuse_total") == 1
    assert value(before, after, "idp_login_failures_total") == 1


def test_a_grant_type_nobody_knows_is_not_a_new_label(client, oauth_actions):
    _, secret = oauth_actions.oauth_client()
    client.post(
        "/oauth/token",
        data={"grant_type": "x" * 200},
        headers=basic("script", secret),
    )
    names = {labels for (_, labels) in samples(client)}
    assert all("x" * 200 not in str(labels) for labels in names)
    assert (("grant_type", "other"), ("result", "unsupported_grant_type")) in names


def test_without_a_token_only_loopback_reads(client):
    samples(client)  # the test client calls from 127.0.0.1
    far = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert far.status_code == 403
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403
    assert (
        client.get("/metrics", headers={"Forwarded": "for=1.2.3.4"}).status_code == 403
    )


@pytest.mark.config(METRICS_TOKEN=TOKEN)
def test_with_a_token_only_its_bearer_reads(client):
    far = {"REMOTE_ADDR": "203.0.113.9"}
    samples(client, environ_base=far, headers={"Authorization": f"Bearer {TOKEN}"})
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = client.get("/metrics", environ_base=far, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert TOKEN not in refused.get_data(as_text=True)
    # Loopback is no excuse once a token is configured.
    assert client.get("/metrics").status_code == 401


def test_a_short_token_is_refused_at_startup():
    from idp import create_app
    from idp.errors import ConfigError

    with pytest.raises(ConfigError, match="IDP_METRICS_TOKEN") as raised:
        create_app({"TESTING": True, "METRICS_TOKEN": "short-secret"})
    assert "short-secret" not in str(raised.value)


@pytest.mark.config(RATE_LIMIT="1/minute")
def test_the_gateway_check_counts_inactive_and_exceeded_too(client, oauth_actions):
    """GET /oauth/check: 401 is inactive, 429 exceeded, as at introspection."""
    login = oauth_actions.login()
    gate = {
        "X-Idp-Client-Authorization": basic(*oauth_actions.resource_server())[
            "Authorization"
        ]
    }
    before = samples(client)
    for token, status in (
        (login["access_token"], 200),
        (login["access_token"], 429),
        ("idp_at_unknown", 401),
    ):
        answer = client.get(
            "/oauth/check", headers={**gate, "Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == status
    after = samples(client)
    count = "idp_introspections_total"
    for result in ("active", "exceeded", "inactive"):
        assert value(before, after, count, endpoint="check", result=result) == 1
    latency = "idp_introspection_duration_seconds_count"
    assert value(before, after, latency, endpoint="check") == 3


def test_console_and_register_failures_are_login_failures(client, oauth_actions):
    from tests.console.conftest import csrf_token

    oauth_actions.operator()
    before = samples(client)
    page = client.get("/console/sign-in")
    console = client.post(
        "/console/sign-in",
        data={"username": "alice", "password": "wrong", "csrf_token": csrf_token(page)},
    )
    assert console.status_code == 401
    assert client.post("/register", headers=basic("alice", "wrong")).status_code == 401
    after = samples(client)
    assert value(before, after, "idp_login_failures_total") == 2


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0", REDIS_TIMEOUT=0.2)
def test_redis_errors_idp_carries_on_without_are_counted(client, oauth_actions):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    before = samples(client)
    answer = oauth_actions.introspect(caller, login["access_token"])
    assert answer.json["active"]  # idp fails open
    after = samples(client)
    assert value(before, after, "idp_redis_errors_total") >= 1


def test_a_request_the_database_cannot_serve_counts_a_database_error():
    """The 503 idp.errors answers when PostgreSQL is unreachable."""
    from idp import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql://idp@127.0.0.1:1/idp",
            "DATABASE_TIMEOUT": 1,
        }
    )
    client = app.test_client()
    before = samples(client)
    answer = client.post(
        "/oauth/introspect", data={"token": "idp_at_x"}, headers=basic("rs", "secret")
    )
    assert answer.status_code == 503
    assert value(before, samples(client), "idp_database_errors_total") == 1


def test_a_database_error_answered_around_is_counted(
    app, client, oauth_actions, monkeypatch
):
    """The change log unreadable while Redis vouches: introspection answers, and
    the error it carried on without is counted (idp.changes)."""
    import sqlalchemy.exc

    from idp.changes import reading

    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, login["access_token"]).json["active"]
    before = samples(client)

    def unreachable() -> None:
        raise sqlalchemy.exc.OperationalError("SELECT", {}, Exception("refused"))

    later = reading.time.monotonic() + 3600  # the periodic read is due
    monkeypatch.setattr(reading.time, "monotonic", lambda: later)
    monkeypatch.setattr(reading, "read_changes", unreachable)
    answer = oauth_actions.introspect(caller, login["access_token"])
    monkeypatch.undo()

    assert answer.status_code == 200 and answer.json["active"] is True
    assert value(before, samples(client), "idp_database_errors_total") == 1


def test_a_token_request_refused_before_its_grant_is_counted(client, oauth_actions):
    """A missing grant_type is raised past Authlib's own handling (invalid_request)."""
    _, secret = oauth_actions.oauth_client()
    before = samples(client)
    answer = client.post("/oauth/token", data={}, headers=basic("script", secret))
    assert answer.status_code == 400 and answer.json["error"] == "invalid_request"
    after = samples(client)
    grants = "idp_token_requests_total"
    assert (
        value(before, after, grants, grant_type="other", result="invalid_request") == 1
    )


def test_a_token_request_the_database_cannot_serve_is_counted():
    """The 503 of a database outage is a result too (server_error)."""
    from idp import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql://idp@127.0.0.1:1/idp",
            "DATABASE_TIMEOUT": 1,
        }
    )
    client = app.test_client()
    before = samples(client)
    answer = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "alice", "password": "x"},
        headers=basic("script", "secret"),
    )
    assert answer.status_code == 503
    after = samples(client)
    grants = "idp_token_requests_total"
    assert (
        value(before, after, grants, grant_type="password", result="server_error") == 1
    )
