"""A revocation made around a Redis fault is seen at the very next introspection
by every server process, whether made over HTTP or by the `idp` command.

Each server process is an app of its own (its own memory, its own Redis
connections); the `idp` command runs as a real subprocess. Redis is a private
redis-server behind a proxy, so it can be hung (SIGSTOP), partitioned (the proxy
drops every connection and answers none), restarted empty, or restored from a
snapshot older than the revocation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from flask import Flask

from idp import create_app
from idp.extensions import db
from tests.conftest import OAuthActions
from tests.conftest import basic
from tests.faults.redis_faults import Proxy
from tests.faults.redis_faults import RedisServer

# A client library may drop a socket to a hung Redis without closing it; the
# collector closes it, and where it happens is no behaviour of idp's.
pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning"
)

FAULTS = ["hung", "partitioned", "restarted_empty", "older_snapshot"]
#: Faults during which the revocation is made; the others strike after it.
DURING = {"hung", "partitioned"}


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(str(tmp_path))
    server.start()
    proxy = Proxy(server.port)
    yield server, proxy
    proxy.close()
    server.kill()


@pytest.fixture
def processes(database_url, redis_server):
    """Two server processes sharing the database and the (proxied) Redis."""
    _, proxy = redis_server
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "REDIS_URL": proxy.url,
        "REDIS_KEY_PREFIX": f"idptest:{uuid.uuid4().hex}",
        "REDIS_TIMEOUT": 0.3,
        "PASSWORD_HASHING": "fast",
    }
    apps = [create_app(config), create_app(config)]
    yield apps
    with apps[0].app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name != "change_counter":
                    conn.execute(table.delete())
    for app in apps:
        with app.app_context():
            db.engine.dispose()
        app.extensions["idp.redis"].connection_pool.disconnect()
        counter = app.extensions["idp.ratelimit"].storage
        getattr(
            counter, "storage", None
        ) and counter.storage.connection_pool.disconnect()


def idp_command(app: Flask, *args: str) -> subprocess.CompletedProcess:
    """The `idp` command in its own process, configured like the servers."""
    env = {
        **os.environ,
        "IDP_DATABASE_URL": app.config["DATABASE_URL"],
        "IDP_REDIS_URL": app.config["REDIS_URL"],
        "IDP_REDIS_KEY_PREFIX": app.config["REDIS_KEY_PREFIX"],
        "IDP_REDIS_TIMEOUT": "0.3",
    }
    idp = os.path.join(os.path.dirname(sys.executable), "idp")
    return subprocess.run(
        [idp, *args, "--json"], env=env, capture_output=True, text=True, timeout=60
    )


def _introspect(app: Flask, caller, token: str) -> dict:
    response = app.test_client().post(
        "/oauth/introspect", data={"token": token}, headers=basic(*caller)
    )
    assert response.status_code == 200, response.data
    return response.json


@pytest.mark.parametrize("via", ["http", "command"])
@pytest.mark.parametrize("fault", FAULTS)
def test_revocation_is_seen_at_the_next_introspection(
    processes, redis_server, fault, via
):
    server, proxy = redis_server
    first, second = processes
    actions = OAuthActions(first, first.test_client())
    login = actions.login()
    caller = actions.resource_server()
    if via == "http":
        token = login["access_token"]
    else:
        created = idp_command(first, "pat", "create", "alice", "--name", "ci")
        assert created.returncode == 0, created.stderr
        pat = json.loads(created.stdout)
        token = pat["token"]
    for app in processes:  # both remember it as active
        assert _introspect(app, caller, token)["active"] is True
        assert _introspect(app, caller, token)["active"] is True

    snapshot = server.snapshot() if fault == "older_snapshot" else None
    if fault == "hung":
        server.hang()
    elif fault == "partitioned":
        proxy.cut()

    if via == "http":
        revoked = first.test_client().post(
            "/oauth/revoke",
            data={"token": token},
            headers=basic("script", login["secret"]),
        )
        assert revoked.status_code == 200
    else:
        done = idp_command(first, "pat", "revoke", "alice", str(pat["id"]))
        assert done.returncode == 0, done.stderr

    if fault in DURING:
        # Serving meanwhile, from the database.
        for app in processes:
            assert _introspect(app, caller, token) == {"active": False}
        server.resume() if fault == "hung" else proxy.heal()
    elif fault == "restarted_empty":
        server.restart()
    else:
        server.restart(from_snapshot=snapshot)

    for app in processes:
        assert _introspect(app, caller, token) == {"active": False}
        assert _introspect(app, caller, token) == {"active": False}
