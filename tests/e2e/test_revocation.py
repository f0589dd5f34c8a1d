"""Revocation takes effect at the resource API at once, in every idp worker."""

from __future__ import annotations

import pytest
import requests

from .actions import OAuthActions
from .actions import bearer
from .deployment import Operator
from .processes import ServerProcess

INVALID = "The credential is unknown, expired or revoked."


@pytest.mark.parametrize("revoked", ["access_token", "refresh_token"])
def test_revoked_token_gets_401_at_once(
    example_api: ServerProcess, oauth: OAuthActions, operator: Operator, revoked: str
):
    """RFC 7009 §2.1: revoking the access token, or its login, stops it at once."""
    url = f"{example_api.url}/api/dashboard"
    token = oauth.login(operator)
    # Several calls, so that idp remembers the token as active before it is revoked.
    for _ in range(3):
        assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200

    assert oauth.revoke(token[revoked]).status_code == 200

    refused = requests.get(url, headers=bearer(token), timeout=10)
    assert refused.status_code == 401
    assert refused.json() == {"error": "invalid_token", "error_description": INVALID}
    assert refused.headers["WWW-Authenticate"] == (
        f'Bearer realm="api", error="invalid_token", error_description="{INVALID}"'
    )
