"""The OAuth endpoints and POST /register, described for the OpenAPI document.

They are served by Authlib, not flask-smorest, so their operations are written
out here, in the words of their RFCs.
"""

from __future__ import annotations

from apispec import APISpec
from werkzeug.routing import Rule

from idp.oauth.schemas import IntrospectionSchema

OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "example": "invalid_grant"},
        "error_description": {"type": "string"},
    },
}
TOKEN = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string", "example": "idp_at_..."},
        "token_type": {"type": "string", "example": "Bearer"},
        "expires_in": {"type": "integer", "example": 3600},
        "refresh_token": {"type": "string", "example": "idp_rt_..."},
        "scope": {"type": "string", "example": "public-api"},
    },
}


def _form(properties: dict, required: list[str]) -> dict:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                }
            }
        },
    }


def _json(schema: dict | type, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


ERRORS = {
    "400": _json(OAUTH_ERROR, "RFC 6749 §5.2 error"),
    "401": _json(OAUTH_ERROR, "client authentication failed (invalid_client)"),
}
STRING = {"type": "string"}


def _path(spec: APISpec, path: str, operations: dict) -> None:
    # flask-smorest's plugin reads path parameters from a werkzeug Rule.
    spec.path(rule=Rule(path), operations=operations)


def describe_oauth(spec: APISpec) -> None:
    """Add /oauth/token, /oauth/introspect, /oauth/revoke, metadata and /register."""
    client_auth = [{"client": []}]
    spec.tag(
        {
            "name": "oauth",
            "description": "OAuth 2.0 endpoints (RFCs 6749, 7662, 7009, 8414).",
        }
    )
    _path(
        spec,
        "/oauth/token",
        {
            "post": {
                "tags": ["oauth"],
                "summary": "Get or refresh a token (password, refresh_token grants)",
                "security": client_auth,
                "requestBody": _form(
                    {
                        "grant_type": {
                            "type": "string",
                            "enum": ["password", "refresh_token"],
                        },
                        "username": STRING,
                        "password": STRING,
                        "refresh_token": STRING,
                        "scope": {"type": "string", "enum": ["public-api"]},
                    },
                    ["grant_type"],
                ),
                "responses": {"200": _json(TOKEN, "RFC 6749 §5.1 token"), **ERRORS},
            }
        },
    )
    _path(
        spec,
        "/oauth/introspect",
        {
            "post": {
                "tags": ["oauth"],
                "summary": "Introspect a credential (RFC 7662); counts one request",
                "security": client_auth,
                "requestBody": _form(
                    {"token": STRING, "token_type_hint": STRING}, ["token"]
                ),
                "responses": {
                    "200": _json(IntrospectionSchema, "RFC 7662 §2.2 answer"),
                    **ERRORS,
                    "403": _json(OAUTH_ERROR, "this client may not introspect"),
                },
            }
        },
    )
    _path(
        spec,
        "/oauth/revoke",
        {
            "post": {
                "tags": ["oauth"],
                "summary": "Revoke a token (RFC 7009)",
                "security": client_auth,
                "requestBody": _form(
                    {"token": STRING, "token_type_hint": STRING}, ["token"]
                ),
                "responses": {
                    "200": _json({"type": "object"}, "revoked or unknown"),
                    **ERRORS,
                },
            }
        },
    )
    _path(
        spec,
        "/.well-known/oauth-authorization-server",
        {
            "get": {
                "tags": ["oauth"],
                "summary": "Authorization server metadata (RFC 8414)",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "RFC 8414 §2 metadata")},
            }
        },
    )
    _path(
        spec,
        "/register",
        {
            "post": {
                "tags": ["oauth"],
                "summary": "Create an API account for yourself (legacy)",
                "description": "Authenticate with your own username and password in "
                "HTTP Basic; the answer carries the new pair once.",
                "security": [{"client": []}],
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "username": STRING,
                                "password": STRING,
                                "created_at": {"type": "string", "format": "date-time"},
                            },
                        },
                        "the new API account",
                    ),
                    "401": _json(OAUTH_ERROR, "wrong login"),
                },
            }
        },
    )
