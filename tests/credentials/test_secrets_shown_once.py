"""Each secret is shown once, when it is made: never in a listing, a log or a store."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from idp.extensions import db
from tests.conftest import REDIS_URL
from tests.conftest import OAuthActions
from tests.conftest import basic
from tests.test_cli import invoke

PASSWORD = "correct horse"


@dataclass
class Shell:
    """What a scenario needs: the command line, HTTP, and a resource server."""

    runner: FlaskCliRunner
    client: FlaskClient
    actions: OAuthActions
    caller: tuple[str, str]

    def introspect(self, token: str) -> dict:
        """The answer for ``token``, which must be active."""
        body = self.actions.introspect(self.caller, token).json
        assert body["active"] is True, body
        return body


@dataclass
class Scenario:
    """How one kind of secret is made, used and shown again."""

    create: Callable[[Shell], tuple[str, dict]]
    use: Callable[[Shell, str, dict], list[dict]]
    show: Callable[[Shell, dict], list[dict]]


def _create_pat(shell: Shell) -> tuple[str, dict]:
    """Each ``_create_*`` returns the secret and the whole creation output."""
    created = invoke(shell.runner, "pat", "create", "alice", "--name", "ci")
    return created["token"], created


def _create_api_account(shell: Shell) -> tuple[str, dict]:
    created = invoke(shell.runner, "api-account", "create", "alice")
    return created["password"], created


def _create_api_key(shell: Shell) -> tuple[str, dict]:
    created = invoke(shell.runner, "api-key", "create", "robot")
    return created["private_key"], created


def _create_client_secret(shell: Shell) -> tuple[str, dict]:
    created = invoke(shell.runner, "client", "create", "script")
    return created["client_secret"], created


def _create_operator_password(shell: Shell) -> tuple[str, dict]:
    created = invoke(
        shell.runner, "operator", "create", "bob", "--profile", "profile-1"
    )
    return created["password"], created


def _log_in(
    shell: Shell, client_id: str, secret: str, username: str, password: str
) -> dict:
    """A successful password grant's token response."""
    response = shell.actions.password_grant(client_id, secret, username, password)
    assert response.status_code == 200, response.json
    return response.json


def _use_operator_password(shell: Shell, password: str, created: dict) -> list[dict]:
    _, client_secret = shell.actions.oauth_client("login")
    registered = shell.client.post("/register", headers=basic("bob", password))
    assert registered.status_code == 201, registered.json
    # /register answers with a password, but that of the new API account.
    registered.json.pop("password")
    return [_log_in(shell, "login", client_secret, "bob", password), registered.json]


SCENARIOS = {
    "personal_access_token": Scenario(
        create=_create_pat,
        use=lambda shell, token, created: [shell.introspect(token)],
        show=lambda shell, created: [invoke(shell.runner, "pat", "list", "alice")],
    ),
    "api_account": Scenario(
        create=_create_api_account,
        use=lambda shell, password, created: [
            shell.introspect(f"{created['username']}:{password}")
        ],
        show=lambda shell, created: [
            invoke(shell.runner, "api-account", "list", "alice")
        ],
    ),
    "api_key": Scenario(
        create=_create_api_key,
        use=lambda shell, private_key, created: [
            shell.introspect(f"{created['public_key']}:{private_key}")
        ],
        show=lambda shell, created: [invoke(shell.runner, "api-key", "list", "robot")],
    ),
    "oauth_client_secret": Scenario(
        create=_create_client_secret,
        use=lambda shell, secret, created: [
            _log_in(shell, "script", secret, "alice", PASSWORD)
        ],
        show=lambda shell, created: [
            invoke(shell.runner, "client", "list"),
            invoke(shell.runner, "client", "show", "script"),
        ],
    ),
    "operator_password": Scenario(
        create=_create_operator_password,
        use=_use_operator_password,
        # There is no operator listing yet; `operator set` shows one again.
        show=lambda shell, created: [
            invoke(shell.runner, "operator", "set", "bob", "--active")
        ],
    ),
}


def stored_text(app: Flask) -> str:
    """Every column of every row of every table, as text."""
    with app.app_context():
        return "\n".join(
            str(value)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
            for value in row
        )


def redis_text(prefix: str) -> str:
    """Every key under this test's prefix, and the value of each string key."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        parts = []
        for key in client.scan_iter(f"{prefix}:*"):
            parts.append(key)
            if client.type(key) == "string":
                parts.append(client.get(key) or "")
        return "\n".join(parts)
    finally:
        client.close()


@pytest.fixture
def shell(
    runner: FlaskCliRunner,
    client: FlaskClient,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server: tuple[str, str],
) -> Shell:
    """alice and robot exist; `resource-api` may introspect."""
    return Shell(runner, client, oauth_actions, resource_server)


@pytest.mark.parametrize("kind", SCENARIOS)
def test_secret_appears_only_in_the_creation_output(
    app: Flask,
    shell: Shell,
    caplog: pytest.LogCaptureFixture,
    redis_prefix: str,
    kind: str,
) -> None:
    """Not in a listing, an answer, a log record at DEBUG, a column or Redis."""
    # SQL, its parameters and its rows too: a clear secret in a query would show.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    # Last, as each call also sets the capturing handler's level.
    caplog.set_level(logging.DEBUG)
    scenario = SCENARIOS[kind]

    secret, created = scenario.create(shell)
    answers = scenario.use(shell, secret, created)
    listings = scenario.show(shell, created)

    assert secret in json.dumps(created)
    assert [secret in json.dumps(answer) for answer in answers] == [False] * len(
        answers
    )
    assert [secret in json.dumps(listing) for listing in listings] == [False] * len(
        listings
    )
    assert {"sqlalchemy.engine.Engine"} <= {r.name for r in caplog.records}
    assert secret not in caplog.text
    assert not [r for r in caplog.records if secret in r.getMessage()]
    assert secret not in stored_text(app)
    assert secret not in redis_text(redis_prefix)
