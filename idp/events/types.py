"""The event types idp emits itself, each with the shape of its ``data``.

No ``data`` ever holds a secret: credentials are named by their non-secret
identifier (a token's hint, an API account's username, a key's public half, a
login's family id). The deployment declares its own types (EventType rows).
Each domain builds the data of its own events (e.g. ``operator_data`` in
idp.accounts.operators, ``client_data`` in idp.oauth.clients).
"""

from __future__ import annotations

#: Every credential event's data.
_CREDENTIAL = {
    "kind": "personal_access_token | api_account | api_key | oauth_login",
    "id": "its non-secret identifier: a token's hint, an account's username, "
    "a key's public key, a login's family id",
    "operator": "the username of the credential's operator",
}
_CLIENT = {
    "client_id": "the client's ID",
    "password_grant": "bool",
    "refresh_tokens": "bool",
    "introspect": "bool",
    "publish_events": "bool",
    "access_token_ttl": "seconds",
    "refresh_token_ttl": "seconds",
}
_OPERATOR = {
    "username": "the operator's username",
    "kind": "person | api_member",
    "profile": "the name of its profile",
    "is_active": "bool",
    "is_owner": "bool",
}

#: name -> (description, data shape)
BUILT_IN: dict[str, tuple[str, dict[str, str]]] = {
    "client.created": ("An OAuth client was registered.", _CLIENT),
    "client.updated": ("An OAuth client's settings changed.", _CLIENT),
    "client.deleted": (
        "An OAuth client and its tokens were deleted.",
        {"client_id": "the client's ID"},
    ),
    "client.secret_rotated": (
        "An OAuth client's secret was replaced.",
        {"client_id": "the client's ID"},
    ),
    "operator.created": ("An operator was created.", _OPERATOR),
    "operator.updated": ("An operator's profile, state or limit changed.", _OPERATOR),
    "operator.deleted": (
        "An operator and all its credentials were deleted.",
        {"username": "the operator's username"},
    ),
    "credential.created": ("A credential was issued.", _CREDENTIAL),
    "credential.revoked": (
        "A credential was revoked (an OAuth login: its refresh family).",
        _CREDENTIAL,
    ),
    "credential.expiring": (
        "A personal access token will expire soon (sent once).",
        {**_CREDENTIAL, "expires_at": "RFC 3339 UTC time"},
    ),
    "credential.leaked": (
        "A credential reported leaked (POST /oauth/leaked) was revoked.",
        _CREDENTIAL,
    ),
    "refresh_token.reused": (
        "A rotated refresh token was presented again; its login was revoked.",
        {
            "client_id": "the client's ID",
            "operator": "the username of the login's operator",
            "family_id": "the login's family id",
        },
    ),
    "rate_limit.exceeded": (
        "An operator went over its rate limit (once per window).",
        {
            "operator": "the operator's username",
            "limit": "requests allowed in the window",
            "reset": "RFC 3339 UTC time the window ends",
        },
    ),
    "webhook.test": (
        "A test event sent on request to one endpoint.",
        {"endpoint_id": "the endpoint's id"},
    ),
}


def credential_data(kind: str, identifier: str, username: str) -> dict:
    """The data of every credential event: never the secret."""
    return {"kind": kind, "id": identifier, "operator": username}
