"""Changes made while Redis is unreachable hold, and no process keeps serving
what it remembered once Redis is back (idp.changes)."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from idp import create_app
from idp.changes import writing
from idp.extensions import db
from idp.oauth import client_auth
from idp.oauth import clients as oauth_clients
from idp.store import store
from tests.admin.conftest import AdminActions
from tests.conftest import basic

DOWN = {"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_TIMEOUT": 0.2}


@pytest.mark.config(**DOWN)
def test_revocation_without_redis_is_done_and_holds(oauth_actions):
    """RFC 7009: 200 for a done revocation; the next introspection says inactive."""
    login = oauth_actions.login()
    resource_server = oauth_actions.resource_server()

    response = oauth_actions.revoke("script", login["secret"], login["refresh_token"])

    assert response.status_code == 200
    for token in (login["access_token"], login["refresh_token"]):
        answer = oauth_actions.introspect(resource_server, token)
        assert answer.json == {"active": False}


@pytest.mark.config(**DOWN)
def test_admin_change_without_redis_is_done(oauth_actions, client):
    """Deactivating an operator over the API answers 200, not 500, and holds."""
    actions = AdminActions(oauth_actions)
    owner = actions.login("owner", is_owner=True)
    carol = actions.login("carol")

    response = client.patch(
        "/api/v1/operators/carol", json={"active": False}, headers=owner
    )

    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=carol).status_code == 401


def test_a_change_not_published_is_published_at_the_next_contact(app, oauth_actions):
    """Other processes must not trust what they remember once Redis answers again."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    with app.app_context():
        reachable = app.extensions["idp.redis"]
        head = int(reachable.get(writing.head_key()) or 0)
        app.extensions["idp.redis"] = redis.Redis.from_url(
            "redis://127.0.0.1:1/0", socket_connect_timeout=0.2
        )
    oauth_actions.revoke("script", login["secret"], login["access_token"])  # logs
    app.extensions["idp.redis"] = reachable
    assert (
        int(reachable.get(f"{app.config['REDIS_KEY_PREFIX']}:changes:head") or 0)
        == head
    )

    assert oauth_actions.introspect(caller, login["access_token"]).json == {
        "active": False
    }

    assert int(reachable.get(f"{app.config['REDIS_KEY_PREFIX']}:changes:head")) > head


def test_a_token_change_keeps_verified_client_secrets(oauth_actions, monkeypatch):
    """Re-verifying a secret is an argon2 hash in every thread of every process:
    a revocation must not cost that; a change of the client must."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    verified = []
    original = client_auth.verify_password
    monkeypatch.setattr(
        client_auth,
        "verify_password",
        lambda *args: verified.append(1) or original(*args),
    )
    oauth_actions.introspect(caller, login["access_token"])
    assert len(verified) == 1

    oauth_actions.revoke("script", login["secret"], login["access_token"])
    verified.clear()
    assert oauth_actions.introspect(caller, login["access_token"]).json == {
        "active": False
    }
    assert verified == []

    with oauth_actions.app.app_context():
        oauth_clients.update_client(
            oauth_clients.get_client(caller[0]), may_introspect=False
        )
    refused = oauth_actions.introspect(caller, login["access_token"])
    assert refused.status_code == 403


def test_a_lost_head_does_not_revive_what_another_process_remembers(
    app, oauth_actions, redis_prefix
):
    """Redis restarted or evicted the key: the process reads the change log."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    shared = ("DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "PASSWORD_HASHING")
    other = create_app({"TESTING": True, **{key: app.config[key] for key in shared}})
    other_client = other.test_client()

    def ask_the_other_process() -> dict:
        data = {"token": login["access_token"]}
        return other_client.post(
            "/oauth/introspect", data=data, headers=basic(*caller)
        ).json

    assert ask_the_other_process()["active"] is True  # remembered there
    oauth_actions.revoke("script", login["secret"], login["access_token"])
    assert ask_the_other_process() == {"active": False}
    with app.app_context():
        store().delete(writing.head_key())

    assert ask_the_other_process() == {"active": False}
    with other.app_context():
        db.engine.dispose()


@pytest.mark.config(REDIS_URL=None)
def test_without_redis_a_change_by_the_idp_command_is_seen_at_once(app, oauth_actions):
    """The embedded default: one server process, and the `idp` command beside it."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, login["access_token"]).json["active"]
    shared = ("DATABASE_URL", "PASSWORD_HASHING")
    command = create_app({"TESTING": True, **{key: app.config[key] for key in shared}})

    with command.app_context():  # what `idp client delete` does, in its process
        oauth_clients.delete_client(oauth_clients.get_client("script"))
        db.engine.dispose()

    assert oauth_actions.introspect(caller, login["access_token"]).json == {
        "active": False
    }


def test_threads_asking_at_once_verify_a_client_secret_once(app, monkeypatch):
    """After a client change every thread asks at once; one pays argon2."""
    with app.app_context():
        _, secret = oauth_clients.register_client(
            "resource-api", access_token_ttl=60, refresh_token_ttl=60
        )
    verified = []
    original = client_auth.verify_password

    def slow_verify(*args):
        verified.append(1)
        time.sleep(0.3)  # the window in which the other threads arrive
        return original(*args)

    monkeypatch.setattr(client_auth, "verify_password", slow_verify)
    barrier = threading.Barrier(6)
    answers = []

    def verify() -> None:
        with app.test_request_context():
            barrier.wait(timeout=10)
            answers.append(client_auth.verify_client_secret("resource-api", secret))
            db.session.remove()

    threads = [threading.Thread(target=verify) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == 6
    assert all(answer is not None for answer in answers)
    assert len(verified) == 1
