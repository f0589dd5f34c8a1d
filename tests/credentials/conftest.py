"""Fixtures for credential tests: an operator of each kind and a resource server."""

from __future__ import annotations

import pytest

from idp.accounts import operators
from idp.credentials import services


class CredentialActions:
    """Issue each credential kind through the services, as the administrator."""

    def __init__(self, oauth_actions) -> None:
        self.oauth = oauth_actions
        self.app = oauth_actions.app

    def pat(self, username: str = "alice", **kwargs) -> tuple[int, str]:
        with self.app.app_context():
            operator = operators.get_operator(username)
            token, secret = services.issue_personal_access_token(
                None, operator, name=kwargs.pop("name", "ci"), **kwargs
            )
            return token.id, secret

    def api_account(self, username: str = "alice") -> tuple[str, str]:
        with self.app.app_context():
            account, password = services.create_api_account(
                None, operators.get_operator(username)
            )
            return account.username, password

    def api_key(self, username: str = "robot") -> tuple[str, str]:
        with self.app.app_context():
            key, private_key = services.create_api_key(
                None, operators.get_operator(username), description="sync"
            )
            return key.public_key, private_key


@pytest.fixture
def credential_actions(oauth_actions) -> CredentialActions:
    oauth_actions.operator("alice")
    oauth_actions.operator("robot", password=None, kind="api_member")
    return CredentialActions(oauth_actions)
