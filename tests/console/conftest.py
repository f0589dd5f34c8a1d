"""Console tests through the Flask test client: sign in, follow forms, read pages."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import OAuthActions

PASSWORD = "correct horse"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(page: TestResponse | str) -> str:
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, html
    return match.group(1)


class Console:
    """One browser's worth of console: its cookie jar and CSRF token."""

    def __init__(self, oauth_actions: OAuthActions, http: FlaskClient) -> None:
        self.oauth = oauth_actions
        self.app = oauth_actions.app
        self.http = http
        self.token: str | None = None

    def operator(self, username: str = "alice", **kwargs):
        """An operator made at the command line; returns it and its password."""
        kwargs.setdefault("password", PASSWORD)
        return self.oauth.operator(username, **kwargs)

    def sign_in(
        self, username: str = "alice", password: str = PASSWORD
    ) -> TestResponse:
        page = self.http.get("/console/sign-in")
        response = self.http.post(
            "/console/sign-in",
            data={
                "username": username,
                "password": password,
                "csrf_token": csrf_token(page),
            },
        )
        if response.status_code == 302:
            self.token = csrf_token(self.get("/console"))
        return response

    def get(self, path: str, **kwargs) -> TestResponse:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> TestResponse:
        """A form post with the session's CSRF token, as the page sends it."""
        return self.http.post(
            path, data={"csrf_token": self.token, **(data or {})}, **kwargs
        )

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


@pytest.fixture
def console(oauth_actions: OAuthActions, client: FlaskClient) -> Console:
    return Console(oauth_actions, client)


@pytest.fixture
def other_console(oauth_actions: OAuthActions, app) -> Console:
    """A second browser, for what one operator does while another watches."""
    return Console(oauth_actions, app.test_client())
