"""Shared fixtures: an app per test on SQLite and PostgreSQL, with a real Redis."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from functools import partial

import psycopg
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis.cluster import RedisCluster

from idp import create_app
from idp.accounts import modules
from idp.extensions import db
from idp.store import parse_url as parse_redis_url
from tests.factories import accounts
from tests.factories import credentials
from tests.redis_cluster import LocalCluster

POSTGRES_ADMIN_URL = os.environ.get(
    "IDPTEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("IDPTEST_REDIS", "redis://127.0.0.1:6379/0")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _sqlalchemy_url(url: str, database: str) -> str:
    base = url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database per backend for the session; tests empty it after use."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'idp.sqlite3'}"
        name = None
    else:
        name = f"idp_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _sqlalchemy_url(POSTGRES_ADMIN_URL, name)
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    yield url
    if name:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_generate_tests(metafunc) -> None:
    """Tests marked ``redis_cluster`` run on one Redis and on a Redis Cluster."""
    if "redis_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "redis_cluster"
    ):
        metafunc.parametrize("redis_url", ["redis", "cluster"], indirect=True)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[LocalCluster]:
    """Three local masters, started once for the session when a test asks."""
    cluster = LocalCluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_url(request) -> str:
    if getattr(request, "param", "redis") == "cluster":
        return request.getfixturevalue("redis_cluster").url
    return REDIS_URL


def redis_client(url: str) -> redis.Redis | RedisCluster:
    """A plain client on what ``url`` names, for tests to look at keys."""
    target = parse_redis_url(url)
    if target.kind == "cluster":
        host, port = target.nodes[0]
        return RedisCluster(host=host, port=port)
    return redis.Redis.from_url(url)


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A Redis key prefix of this test's own, deleted afterwards."""
    prefix = f"idptest:{uuid.uuid4().hex}"
    yield prefix
    client = redis_client(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def app(
    request, database_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Flask]:
    """`@pytest.mark.config(KEY=value)` overrides settings for one test."""
    marker = request.node.get_closest_marker("config")
    overrides = marker.kwargs if marker else {}
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": redis_prefix,
            "PASSWORD_HASHING": "fast",
            # A loaded CI machine can stall a test past production's bounds
            # (an idle transaction is ended after 6x this); the tests of those
            # bounds set their own.
            "DATABASE_TIMEOUT": 30,
            **overrides,
        }
    )
    if overrides.get("MODULES"):
        # As `idp init` applies IDP_MODULES.
        with app.app_context():
            modules.apply_configured(app.config["MODULES"])
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name != "change_counter":  # a row the schema holds
                    conn.execute(table.delete())
        db.engine.dispose()
    if app.extensions["idp.redis"] is not None:
        app.extensions["idp.redis"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def basic(username: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


class OAuthActions:
    """The factories bound to this test's app, and the protocol calls the OAuth
    tests repeat."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.http = client
        self.profile = partial(accounts.profile, app)
        self.operator = partial(accounts.operator, app)
        self.oauth_client = partial(credentials.oauth_client, app)
        self.pat = partial(credentials.pat, app)
        self.api_account = partial(credentials.api_account, app)
        self.api_key = partial(credentials.api_key, app)

    def resource_server(self, client_id: str = "resource-api") -> tuple[str, str]:
        _, secret = self.oauth_client(client_id, may_introspect=True)
        return client_id, secret

    def password_grant(
        self, client_id: str, secret: str, username: str, password: str, **extra
    ):
        data = {"grant_type": "password", "username": username, "password": password}
        data.update(extra)
        return self.http.post(
            "/oauth/token", data=data, headers=basic(client_id, secret)
        )

    def refresh(self, client_id: str, secret: str, refresh_token: str):
        return self.http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers=basic(client_id, secret),
        )

    def introspect(self, caller: tuple[str, str], token: str, **extra):
        return self.http.post(
            "/oauth/introspect", data={"token": token, **extra}, headers=basic(*caller)
        )

    def revoke(self, client_id: str, secret: str, token: str, **extra):
        return self.http.post(
            "/oauth/revoke",
            data={"token": token, **extra},
            headers=basic(client_id, secret),
        )

    def login(self, **client_kwargs) -> dict:
        """A person, a client and a first token response: the usual start."""
        _, password = self.operator()
        _, secret = self.oauth_client(**client_kwargs)
        response = self.password_grant("script", secret, "alice", password)
        assert response.status_code == 200, response.json
        return {"secret": secret, **response.json}


@pytest.fixture
def resource_server(oauth_actions: OAuthActions) -> tuple[str, str]:
    """A client that may introspect: (client_id, secret)."""
    return oauth_actions.resource_server()


@pytest.fixture
def oauth_actions(app: Flask, client: FlaskClient) -> OAuthActions:
    return OAuthActions(app, client)
