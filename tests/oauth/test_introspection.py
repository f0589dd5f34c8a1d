"""Token introspection (RFC 7662) with per-operator rate limits."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import event

from idp import timeutil
from idp.accounts import operators
from idp.accounts import profiles
from idp.extensions import db
from idp.oauth import client_auth
from idp.oauth import clients as oauth_clients
from idp.oauth import tokens as oauth_tokens
from tests.conftest import basic

pytestmark = pytest.mark.redis_cluster


@pytest.fixture
def login(oauth_actions) -> dict:
    return oauth_actions.login()


def test_active_access_token_answer(oauth_actions, resource_server, login):
    """RFC 7662 §2.2: active, with who it is, what it may do, and its limit."""
    before = int(time.time())
    response = oauth_actions.introspect(resource_server, login["access_token"])
    assert response.status_code == 200
    body = response.json
    with oauth_actions.app.app_context():
        operator = operators.get_operator("alice")
        expected_sub = str(operator.id)
    assert before - 5 <= body["iat"] <= before + 1
    assert body["exp"] == body["iat"] + 3600
    assert before + 59 <= body["rate_limit"]["reset"] <= before + 61
    assert body == {
        "active": True,
        "credential": "oauth_access_token",
        "token_type": "Bearer",
        "scope": "public-api",
        "client_id": "script",
        "username": "alice",
        "sub": expected_sub,
        "exp": body["exp"],
        "iat": body["iat"],
        "iss": "http://localhost",
        "permissions": {
            "api_access": True,
            "manage_users": False,
            "manage_clients": False,
            "modules": {},
        },
        "rate_limit": {
            "limit": 30,
            "remaining": 29,
            "reset": body["rate_limit"]["reset"],
            "exceeded": False,
        },
    }
    assert response.headers["RateLimit-Limit"] == "30"
    assert response.headers["RateLimit-Remaining"] == "29"
    assert 58 <= int(response.headers["RateLimit-Reset"]) <= 60
    assert "Retry-After" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "token",
    ["idp_at_" + "B" * 43, "not-a-token", "idp_at_short", ""],
    ids=["unknown", "malformed", "truncated", "empty-value"],
)
def test_unknown_token_is_exactly_inactive(oauth_actions, resource_server, token):
    """RFC 7662 §2.2: anything not active is {"active": false} and nothing more."""
    response = oauth_actions.introspect(resource_server, token)
    if token == "":
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"
        return
    assert response.status_code == 200
    assert response.json == {"active": False}
    assert "RateLimit-Limit" not in response.headers


@pytest.mark.config(ISSUER="https://idp.example.com")
def test_configured_issuer_is_reported(oauth_actions, resource_server, login):
    """RFC 7662 §2.2 iss: the configured issuer identifier."""
    body = oauth_actions.introspect(resource_server, login["access_token"]).json
    assert body["iss"] == "https://idp.example.com"


@pytest.mark.config(MODULES=["companies", "tickets"])
def test_permissions_carry_every_declared_module(oauth_actions, resource_server, login):
    """Introspection returns the profile's level for each action of each module."""
    with oauth_actions.app.app_context():
        profile = operators.get_operator("alice").profile
        profiles.update_profile(
            profile,
            modules={"tickets": {"edit": "own", "inquire": "all"}},
        )
    body = oauth_actions.introspect(resource_server, login["access_token"]).json
    assert body["permissions"]["modules"] == {
        "companies": {
            "add": "none",
            "edit": "none",
            "delete": "none",
            "inquire": "none",
        },
        "tickets": {"add": "none", "edit": "own", "delete": "none", "inquire": "all"},
    }


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_rate_limit_counts_down_to_exceeded(app, oauth_actions, store):
    """30 introspections a minute; the 31st is still active but exceeded."""
    if store == "memory":
        app.config["REDIS_URL"] = None
        from idp import ratelimit

        ratelimit.init_app(app)
    resource_server = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    remaining = [
        oauth_actions.introspect(resource_server, token).json["rate_limit"]["remaining"]
        for _ in range(30)
    ]
    assert remaining == list(range(29, -1, -1))
    response = oauth_actions.introspect(resource_server, token)
    body = response.json
    assert body["active"] is True
    assert body["rate_limit"]["exceeded"] is True
    assert body["rate_limit"]["remaining"] == 0
    assert response.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.config(RATE_LIMIT="2/minute")
def test_configured_default_limit_applies(oauth_actions, resource_server, login):
    """IDP_RATE_LIMIT sets the default for every operator."""
    bodies = [
        oauth_actions.introspect(resource_server, login["access_token"]).json
        for _ in range(3)
    ]
    assert [b["rate_limit"]["exceeded"] for b in bodies] == [False, False, True]
    assert bodies[0]["rate_limit"]["limit"] == 2


def test_per_operator_limit_overrides_default(oauth_actions, resource_server, login):
    """An admin raises one operator's limit."""
    with oauth_actions.app.app_context():
        operators.update_operator(
            operators.get_operator("alice"), rate_limit="120/minute"
        )
    body = oauth_actions.introspect(resource_server, login["access_token"]).json
    assert body["rate_limit"]["limit"] == 120
    assert body["rate_limit"]["remaining"] == 119


def test_tokens_of_one_operator_share_the_limit(oauth_actions, resource_server, login):
    """The limit is per operator, across every token it holds."""
    second = oauth_actions.password_grant(
        "script", login["secret"], "alice", "correct horse"
    ).json
    oauth_actions.introspect(resource_server, login["access_token"])
    body = oauth_actions.introspect(resource_server, second["access_token"]).json
    assert body["rate_limit"]["remaining"] == 28


def test_refresh_token_introspection_counts_nothing(
    oauth_actions, resource_server, login
):
    """A refresh token is introspectable but is not a request to a resource API."""
    body = oauth_actions.introspect(resource_server, login["refresh_token"]).json
    assert body["active"] is True
    assert body["credential"] == "oauth_refresh_token"
    assert "rate_limit" not in body
    access = oauth_actions.introspect(resource_server, login["access_token"]).json
    assert access["rate_limit"]["remaining"] == 29


def test_rotated_refresh_token_is_inactive(oauth_actions, resource_server, login):
    """After rotation the old refresh token introspects as inactive."""
    oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    body = oauth_actions.introspect(resource_server, login["refresh_token"]).json
    assert body == {"active": False}


def _revoke(actions, login):
    assert (
        actions.revoke("script", login["secret"], login["access_token"]).status_code
        == 200
    )


def _deactivate(actions, login):
    with actions.app.app_context():
        operators.update_operator(operators.get_operator("alice"), is_active=False)


def _remove_api_access(actions, login):
    with actions.app.app_context():
        profile = operators.get_operator("alice").profile
        profiles.update_profile(profile, api_access=False)


def _delete_client(actions, login):
    with actions.app.app_context():
        oauth_clients.delete_client(oauth_clients.get_client("script"))


@pytest.mark.parametrize(
    "change", [_revoke, _deactivate, _remove_api_access, _delete_client]
)
def test_change_takes_effect_at_next_introspection(
    oauth_actions, resource_server, login, change
):
    """A revocation or an admin change is seen at once, cache or not."""
    first = oauth_actions.introspect(resource_server, login["access_token"])
    assert first.json["active"] is True
    change(oauth_actions, login)
    response = oauth_actions.introspect(resource_server, login["access_token"])
    assert response.json == {"active": False}


def test_expired_access_token_is_inactive(oauth_actions, resource_server, monkeypatch):
    """RFC 7662 §2.2: an expired token is not active (on idp's clock, moved by hand)."""
    now = [dt.datetime(2030, 1, 1, tzinfo=dt.UTC)]
    monkeypatch.setattr(timeutil, "_clock", lambda: now[0])
    login = oauth_actions.login(access_token_ttl=60)
    now[0] += dt.timedelta(seconds=59)
    body = oauth_actions.introspect(resource_server, login["access_token"]).json
    assert body["active"] is True
    now[0] += dt.timedelta(seconds=1)
    body = oauth_actions.introspect(resource_server, login["access_token"]).json
    assert body == {"active": False}


def test_cached_introspection_runs_no_sql(app, oauth_actions, resource_server, login):
    """The hot path: a known client and an active token need no SQL query."""
    oauth_actions.introspect(resource_server, login["access_token"])
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = oauth_actions.introspect(resource_server, login["access_token"])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.json["active"] is True
    assert statements == []


def test_caller_secret_is_hashed_once_then_remembered(
    monkeypatch, oauth_actions, resource_server, login
):
    """argon2 runs once per caller, not on every introspection."""
    calls = []
    original = client_auth.verify_password

    def counting(password_hash, password):
        calls.append(1)
        return original(password_hash, password)

    monkeypatch.setattr(client_auth, "verify_password", counting)
    for _ in range(3):
        oauth_actions.introspect(resource_server, login["access_token"])
    assert len(calls) == 1
    wrong = oauth_actions.introspect(
        (resource_server[0], "wrong"), login["access_token"]
    )
    assert wrong.status_code == 401


def test_rotated_caller_secret_stops_working_at_once(
    oauth_actions, resource_server, login
):
    """A remembered caller secret is forgotten when the secret is rotated."""
    assert (
        oauth_actions.introspect(resource_server, login["access_token"]).status_code
        == 200
    )
    with oauth_actions.app.app_context():
        new_secret = oauth_clients.rotate_client_secret(
            oauth_clients.get_client(resource_server[0])
        )
    old = oauth_actions.introspect(resource_server, login["access_token"])
    assert old.status_code == 401
    new = oauth_actions.introspect(
        (resource_server[0], new_secret), login["access_token"]
    )
    assert new.status_code == 200


@pytest.mark.parametrize(
    "caller", [("resource-api", "wrong"), ("nobody", "wrong")], ids=["wrong", "unknown"]
)
def test_failed_caller_authentication_is_401(
    oauth_actions, resource_server, login, caller
):
    """RFC 7662 §2.3 / RFC 6749 §5.2: 401 invalid_client with WWW-Authenticate."""
    response = oauth_actions.introspect(caller, login["access_token"])
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_missing_caller_authentication_is_401(oauth_actions, login):
    """RFC 7662 §2.1: the endpoint requires authorization."""
    response = oauth_actions.http.post(
        "/oauth/introspect", data={"token": login["access_token"]}
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_client_not_allowed_to_introspect_is_refused(oauth_actions, login):
    """Only clients registered as resource servers may introspect."""
    response = oauth_actions.introspect(
        ("script", login["secret"]), login["access_token"]
    )
    assert response.status_code == 403
    assert response.json["error"] == "unauthorized_client"


def test_unknown_token_type_hint_is_ignored(oauth_actions, resource_server, login):
    """RFC 7662 §2.1: the hint may be wrong; the server searches every kind."""
    for hint in ("refresh_token", "something_else"):
        response = oauth_actions.introspect(
            resource_server, login["access_token"], token_type_hint=hint
        )
        assert response.status_code == 200
        assert response.json["active"] is True


def test_post_client_authentication_is_accepted(oauth_actions, resource_server, login):
    """client_secret_post works at the introspection endpoint too."""
    response = oauth_actions.http.post(
        "/oauth/introspect",
        data={
            "token": login["access_token"],
            "client_id": resource_server[0],
            "client_secret": resource_server[1],
        },
    )
    assert response.status_code == 200
    assert response.json["active"] is True


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0", REDIS_TIMEOUT=0.2)
def test_redis_down_answers_from_database_uncounted(oauth_actions, resource_server):
    """Without Redis, answers stay correct (revocation included) but are not counted."""
    login = oauth_actions.login()
    response = oauth_actions.introspect(resource_server, login["access_token"])
    assert response.status_code == 200
    assert response.json["active"] is True
    assert "RateLimit-Limit" not in response.headers
    with oauth_actions.app.app_context():
        oauth_tokens.revoke_token(*oauth_tokens.find_token(login["access_token"]))
    again = oauth_actions.introspect(resource_server, login["access_token"])
    assert again.json == {"active": False}


def test_introspection_basic_header_of_caller_only(
    oauth_actions, resource_server, login
):
    """Caller credentials in Basic and in the form at once are refused (RFC 6749 §2.3)."""
    response = oauth_actions.http.post(
        "/oauth/introspect",
        data={"token": login["access_token"], "client_secret": "x"},
        headers=basic(*resource_server),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_an_introspecting_client_records_its_last_use(app, oauth_actions):
    """A resource server never asks for tokens; introspecting is its use."""
    caller = oauth_actions.resource_server()
    with app.app_context():
        assert oauth_clients.get_client(caller[0]).last_used_at is None

    oauth_actions.introspect(caller, "idp_at_unknown")

    with app.app_context():
        assert oauth_clients.get_client(caller[0]).last_used_at is not None


def test_a_well_formed_token_idp_never_issued_costs_one_select_then_none(
    app, oauth_actions, resource_server
):
    """Random well-formed tokens cannot load the database: no row is remembered."""
    from idp.security import SecretKind
    from idp.security import generate_secret

    invented = generate_secret(SecretKind.ACCESS_TOKEN)
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        first = oauth_actions.introspect(resource_server, invented)
        looked_up = [s for s in statements if "oauth_tokens" in s]
        statements.clear()
        second = oauth_actions.introspect(resource_server, invented)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert first.json == second.json == {"active": False}
    assert len(looked_up) == 1
    assert [s for s in statements if "oauth_tokens" in s] == []
