"""Fixtures for credential tests: an operator of each kind."""

from __future__ import annotations

import pytest

from tests.conftest import OAuthActions


@pytest.fixture
def credential_actions(oauth_actions: OAuthActions) -> OAuthActions:
    """The factories, with alice and the API member robot already made."""
    oauth_actions.operator("alice")
    oauth_actions.operator("robot", password=None, kind="api_member")
    return oauth_actions
