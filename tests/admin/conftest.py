"""Fixtures for the /api/v1 tests: operators with bearer PATs, and answer checks."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import OAuthActions

PASSWORD = "correct horse"
PROBLEM = "application/problem+json"
RATELIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response: TestResponse, status: int) -> dict:
    """An RFC 9457 problem details answer with ``status``; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def assert_field_errors(response: TestResponse, field: str) -> None:
    """A 422 whose `errors` member maps ``field`` to a list of messages."""
    body = assert_problem(response, 422)
    assert field in body.get("errors", {}), body
    messages = body["errors"][field]
    assert messages, body
    if isinstance(messages, list):
        assert all(isinstance(message, str) for message in messages), body


def assert_ratelimit_headers(response: TestResponse) -> None:
    for name in RATELIMIT_HEADERS:
        assert response.headers.get(name, "").isdigit(), (name, response.headers)


class AdminActions:
    """Operators with bearer personal access tokens, made through the services.

    The admin API's own create calls are what the tests exercise; the callers
    are made beside it, as the administrator at the command line would.
    """

    def __init__(self, oauth_actions: OAuthActions) -> None:
        self.oauth = oauth_actions
        self.app = oauth_actions.app
        self.http: FlaskClient = oauth_actions.http

    def operator(self, username: str, **kwargs) -> str | None:
        """A new operator; returns its password (None for an API member)."""
        if kwargs.get("kind") == "api_member":
            kwargs.setdefault("password", None)
        else:
            kwargs.setdefault("password", PASSWORD)
        return self.oauth.operator(username, **kwargs)[1]

    def login(self, username: str, **kwargs) -> dict[str, str]:
        """A new operator and the bearer header of a PAT of its own."""
        self.operator(username, **kwargs)
        return bearer(self.oauth.pat(username)[1])


@pytest.fixture
def admin_actions(oauth_actions: OAuthActions) -> AdminActions:
    return AdminActions(oauth_actions)


@pytest.fixture
def owner(admin_actions: AdminActions) -> dict[str, str]:
    """The bearer header of the owner, who holds every right."""
    return admin_actions.login("owner", is_owner=True)


@pytest.fixture
def users_admin(admin_actions: AdminActions) -> dict[str, str]:
    return admin_actions.login("users-admin", manage_users=True)


@pytest.fixture
def clients_admin(admin_actions: AdminActions) -> dict[str, str]:
    return admin_actions.login("clients-admin", manage_clients=True)


@pytest.fixture
def alice(admin_actions: AdminActions) -> dict[str, str]:
    """A plain operator: API access and no other right."""
    return admin_actions.login("alice")
