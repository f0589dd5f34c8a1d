"""OAuth clients and each credential kind, issued as the administrator would."""

from __future__ import annotations

from flask import Flask

from idp.accounts import operators
from idp.credentials import services
from idp.oauth import clients


def oauth_client(
    app: Flask, client_id: str = "script", secret: str | None = None, **kwargs
) -> tuple[int, str]:
    kwargs.setdefault("access_token_ttl", 3600)
    kwargs.setdefault("refresh_token_ttl", 86400)
    with app.app_context():
        row, secret = clients.register_client(client_id, secret=secret, **kwargs)
        return row.id, secret


def pat(
    app: Flask, username: str = "alice", name: str = "ci", **kwargs
) -> tuple[int, str]:
    with app.app_context():
        token, secret = services.issue_personal_access_token(
            None, operators.get_operator(username), name=name, **kwargs
        )
        return token.id, secret


def api_account(app: Flask, username: str = "alice") -> tuple[str, str]:
    with app.app_context():
        account, password = services.create_api_account(
            None, operators.get_operator(username)
        )
        return account.username, password


def api_key(app: Flask, username: str = "robot") -> tuple[str, str]:
    with app.app_context():
        key, private_key = services.create_api_key(
            None, operators.get_operator(username), description="sync"
        )
        return key.public_key, private_key
