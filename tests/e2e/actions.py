"""OAuth calls the end-to-end tests repeat, over HTTP, as flaskr's AuthActions."""

from __future__ import annotations

import requests

from .deployment import Deployment
from .deployment import Operator

TIMEOUT = 10


class OAuthActions:
    """The OAuth calls the tests repeat, over HTTP, as the deployment's script client."""

    def __init__(self, idp_url: str, deployment: Deployment) -> None:
        self.idp_url = idp_url
        self.script = deployment.script_client

    def login(self, operator: Operator) -> dict:
        """The password grant (RFC 6749 §4.3); the token response."""
        response = requests.post(
            f"{self.idp_url}/oauth/token",
            data={
                "grant_type": "password",
                "scope": "public-api",
                "username": operator.username,
                "password": operator.password,
            },
            auth=(self.script.client_id, self.script.secret),
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def revoke(self, token: str) -> requests.Response:
        """Revoke a token (RFC 7009)."""
        return requests.post(
            f"{self.idp_url}/oauth/revoke",
            data={"token": token},
            auth=(self.script.client_id, self.script.secret),
            timeout=TIMEOUT,
        )


def bearer(token: dict) -> dict[str, str]:
    """The Authorization header carrying a token response's access token."""
    return {"Authorization": f"Bearer {token['access_token']}"}
