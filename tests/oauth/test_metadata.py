"""Authorization server metadata (RFC 8414)."""

from __future__ import annotations

import pytest


@pytest.mark.config(ISSUER="https://idp.example.com")
def test_metadata_lists_endpoints_grants_scope_and_auth_methods(client):
    """RFC 8414 §2 and §3: the document at the well-known URI."""
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    methods = ["client_secret_basic", "client_secret_post"]
    assert response.json == {
        "issuer": "https://idp.example.com",
        "token_endpoint": "https://idp.example.com/oauth/token",
        "introspection_endpoint": "https://idp.example.com/oauth/introspect",
        "revocation_endpoint": "https://idp.example.com/oauth/revoke",
        "grant_types_supported": ["password", "refresh_token"],
        "response_types_supported": [],
        "scopes_supported": ["public-api"],
        "token_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
    }


def test_issuer_defaults_to_request_host(client):
    """RFC 8414 §2: without configuration the issuer is this server's URL."""
    body = client.get("/.well-known/oauth-authorization-server").json
    assert body["issuer"] == "http://localhost"
    assert body["token_endpoint"] == "http://localhost/oauth/token"
