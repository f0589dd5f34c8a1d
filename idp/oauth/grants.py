"""The two grants idp offers: password and refresh_token (with rotation)."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError

from idp.accounts import passwords
from idp.accounts.models import Operator
from idp.credentials.models import OAuthToken
from idp.oauth import tokens
from idp.oauth.client_auth import METHODS


class _IssuingGrant:
    """What both grants share: client auth methods and refresh tokens per client."""

    # Authlib allows Basic only; curl -d and many form libraries send the
    # client's credentials in the body (RFC 6749 §2.3.1 allows both).
    TOKEN_ENDPOINT_AUTH_METHODS = METHODS

    def generate_token(self, **kwargs: Any) -> dict:
        # A client registered without refresh tokens gets none.
        kwargs["include_refresh_token"] = self.request.client.refresh_tokens
        return super().generate_token(**kwargs)


class PasswordGrant(_IssuingGrant, grants.ResourceOwnerPasswordCredentialsGrant):
    """RFC 6749 §4.3, for active people whose profile grants API access."""

    def authenticate_user(self, username: str, password: str) -> Operator:
        operator = passwords.verify_operator_password(username, password)
        # One answer for a wrong name, a wrong password and a barred account,
        # so the endpoint does not tell which usernames exist. Authlib answers
        # invalid_request here; RFC 6749 §5.2 says invalid_grant.
        if operator is None or not operator.may_use_password_grant():
            raise InvalidGrantError("Invalid username or password.")
        return operator

    def save_token(self, token: dict) -> None:
        tokens.issue_tokens(token, self.request.client, self.request.user)


class RefreshTokenGrant(_IssuingGrant, grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2)."""

    # Authlib keeps the old refresh token by default; we rotate.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        try:
            return tokens.verify_refresh_token(refresh_token)
        except tokens.RefreshTokenReused:
            raise InvalidGrantError("The refresh token was already used.") from None

    def authenticate_user(self, refresh_token: OAuthToken) -> Operator:
        operator = refresh_token.operator
        if not operator.may_use_api():
            raise InvalidGrantError("The refresh token is no longer valid.")
        return operator

    def save_token(self, token: dict) -> None:
        # Flushed, not committed: revoke_old_credential commits both or neither.
        old = self.request.refresh_token
        tokens.store_tokens(
            token, self.request.client, self.request.user, old.family_id
        )

    def revoke_old_credential(self, refresh_token: OAuthToken) -> None:
        try:
            tokens.claim_rotation(refresh_token)
        except tokens.RotationLost:
            raise InvalidGrantError("The refresh token was already used.") from None
