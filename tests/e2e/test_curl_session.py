"""The README's curl session, with real curl, against idp and the example API."""

from __future__ import annotations

import base64
import json
import subprocess

from .deployment import Deployment
from .deployment import Operator
from .processes import ServerProcess


def curl(*args: str) -> tuple[int, dict]:
    """Run curl; return the status and the JSON body it received."""
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_readme_curl_session(
    idp_server: ServerProcess,
    example_api: ServerProcess,
    deployment: Deployment,
    operator: Operator,
):
    """RFC 6749 §4.3 and §6, RFC 6750 §2.1, RFC 7662 §2: the session README shows."""
    idp = idp_server.url
    script = deployment.script_client
    resource_server = deployment.resource_server
    pair = base64.b64encode(f"{script.client_id}:{script.secret}".encode()).decode()

    status, token = curl(
        "-X",
        "POST",
        f"{idp}/oauth/token",
        "-H",
        f"Authorization: Basic {pair}",
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "-H",
        "cache-control: no-cache",
        "-d",
        f"grant_type=password&scope=public-api&username={operator.username}"
        f"&password={operator.password}",
    )
    assert status == 200, token
    assert token == {
        "access_token": token["access_token"],
        "expires_in": 3600,
        "refresh_token": token["refresh_token"],
        "scope": "public-api",
        "token_type": "Bearer",
    }
    assert token["access_token"].startswith("idp_at_")
    assert token["refresh_token"].startswith("idp_rt_")

    status, refreshed = curl(
        "-X",
        "POST",
        f"{idp}/oauth/token",
        "-u",
        f"{script.client_id}:{script.secret}",
        "-d",
        f"grant_type=refresh_token&refresh_token={token['refresh_token']}",
    )
    assert status == 200, refreshed
    assert refreshed["refresh_token"] != token["refresh_token"]
    access_token = refreshed["access_token"]

    status, dashboard = curl(
        f"{example_api.url}/api/dashboard",
        "-H",
        f"Authorization: Bearer {access_token}",
    )
    assert status == 200, dashboard
    assert dashboard == {
        "caller": {
            "username": operator.username,
            "sub": str(operator.id),
            "client_id": script.client_id,
            "credential": "oauth_access_token",
        },
        "open_tickets": 2,
        "generated_at": dashboard["generated_at"],
    }

    status, introspection = curl(
        "-X",
        "POST",
        f"{idp}/oauth/introspect",
        "-u",
        f"{resource_server.client_id}:{resource_server.secret}",
        "-d",
        f"token={access_token}",
    )
    assert status == 200, introspection
    assert introspection == {
        "active": True,
        "credential": "oauth_access_token",
        "token_type": "Bearer",
        "scope": "public-api",
        "client_id": script.client_id,
        "username": operator.username,
        "sub": str(operator.id),
        "exp": introspection["iat"] + 3600,
        "iat": introspection["iat"],
        "iss": idp,
        "permissions": {
            "api_access": True,
            "manage_users": False,
            "manage_clients": False,
            "modules": {
                "tickets": {
                    "add": "none",
                    "edit": "none",
                    "delete": "none",
                    "inquire": "all",
                }
            },
        },
        # The dashboard call counted one request, this introspection another.
        "rate_limit": {
            "limit": 30,
            "remaining": 28,
            "reset": introspection["rate_limit"]["reset"],
            "exceeded": False,
        },
    }
