"""POST /register: the legacy call by which an operator makes itself an API account."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy import select

from idp.accounts import operators
from idp.credentials import services
from idp.credentials.models import ApiAccount
from idp.extensions import db
from tests.conftest import OAuthActions
from tests.conftest import basic
from tests.test_cli import ISO_UTC
from tests.test_cli import invoke

PASSWORD = "correct horse"
REFUSED = {
    "error": "invalid_credentials",
    "error_description": "Authenticate with your username and password.",
}


@pytest.fixture
def alice(oauth_actions: OAuthActions) -> None:
    """A person who may use the API, with the password PASSWORD."""
    oauth_actions.operator("alice", PASSWORD)


def count_api_accounts(app: Flask) -> int:
    """How many API accounts exist, whoever holds them."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiAccount))


@pytest.mark.usefixtures("alice")
def test_register_returns_a_pair_that_introspects_as_an_api_account(
    client: FlaskClient,
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    resource_server: tuple[str, str],
) -> None:
    """201 with the pair once, not cached; the pair works and is in the listing."""
    response = client.post("/register", headers=basic("alice", PASSWORD))

    assert response.status_code == 201, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert re.fullmatch(r"idp_aa_[0-9a-f]{16}", body["username"])
    assert re.fullmatch(r"idp_aap_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}", body["password"])
    assert ISO_UTC.fullmatch(body["created_at"])
    assert body == {
        "username": body["username"],
        "password": body["password"],
        "created_at": body["created_at"],
    }
    assert invoke(runner, "api-account", "list", "alice") == {
        "api_accounts": [
            {
                "username": body["username"],
                "created_at": body["created_at"],
                "last_used_at": None,
            }
        ]
    }
    pair = f"{body['username']}:{body['password']}"
    answer = oauth_actions.introspect(resource_server, pair).json
    assert answer["active"] is True
    assert answer["credential"] == "api_account"
    assert answer["username"] == "alice"


@pytest.mark.usefixtures("alice")
def test_register_twice_gives_two_working_accounts(
    client: FlaskClient, runner: FlaskCliRunner
) -> None:
    """Each call makes a new account; the first one is not replaced."""
    first = client.post("/register", headers=basic("alice", PASSWORD)).json
    second = client.post("/register", headers=basic("alice", PASSWORD)).json

    listed = invoke(runner, "api-account", "list", "alice")["api_accounts"]
    assert [account["username"] for account in listed] == [
        second["username"],
        first["username"],
    ]


def _alice(actions: OAuthActions, password: str) -> dict[str, str]:
    """alice exists; her name is sent with ``password``."""
    actions.operator("alice", PASSWORD)
    return basic("alice", password)


def _bearer(actions: OAuthActions) -> dict[str, str]:
    """alice's own valid PAT, sent as a bearer token instead of her login."""
    actions.operator("alice", PASSWORD)
    with actions.app.app_context():
        _, token = services.issue_personal_access_token(
            None, operators.get_operator("alice"), name="ci"
        )
    return {"Authorization": f"Bearer {token}"}


def _inactive(actions: OAuthActions) -> dict[str, str]:
    """carol's right login, but carol is deactivated."""
    actions.operator("carol", PASSWORD)
    with actions.app.app_context():
        operators.update_operator(operators.get_operator("carol"), is_active=False)
    return basic("carol", PASSWORD)


def _without_api_access(actions: OAuthActions) -> dict[str, str]:
    """dave's right login, but his profile has no api_access."""
    actions.operator("dave", PASSWORD, api_access=False)
    return basic("dave", PASSWORD)


def _api_member(actions: OAuthActions) -> dict[str, str]:
    """An API member has no password: it may only use API keys."""
    actions.operator("robot", password=None, kind="api_member")
    return basic("robot", PASSWORD)


REFUSALS = [
    pytest.param(lambda actions: _alice(actions, "wrong horse"), id="wrong-password"),
    pytest.param(lambda actions: _alice(actions, ""), id="empty-password"),
    pytest.param(lambda actions: basic("nobody", PASSWORD), id="unknown-user"),
    pytest.param(lambda actions: {}, id="no-authorization"),
    pytest.param(lambda actions: {"Authorization": "Basic !!!"}, id="malformed-basic"),
    pytest.param(_bearer, id="bearer-instead-of-basic"),
    pytest.param(_inactive, id="inactive-operator"),
    pytest.param(_without_api_access, id="no-api-access"),
    pytest.param(_api_member, id="api-member"),
]


@pytest.mark.parametrize("login", REFUSALS)
def test_register_refusals_all_look_the_same(
    app: Flask,
    client: FlaskClient,
    oauth_actions: OAuthActions,
    login: Callable[[OAuthActions], dict[str, str]],
) -> None:
    """One 401 for every refusal, so usernames cannot be probed; nothing created."""
    response = client.post("/register", headers=login(oauth_actions))

    assert response.status_code == 401
    assert response.json == REFUSED
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert count_api_accounts(app) == 0
