"""The Authlib authorization server, fitted to idp's clients, tokens and rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlib.integrations.flask_oauth2 import AuthorizationServer as _Server
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import Flask
from flask import request as flask_request

from idp.credentials.models import SCOPE
from idp.credentials.models import OAuthClient
from idp.database import find
from idp.extensions import db
from idp.oauth.client_auth import METHODS
from idp.oauth.client_auth import ClientAuthenticationFailed
from idp.oauth.client_auth import verify_client
from idp.security import SecretKind
from idp.security import generate_secret

if TYPE_CHECKING:
    from collections.abc import Callable

    from authlib.oauth2 import OAuth2Error
    from authlib.oauth2.rfc6749 import OAuth2Request
    from authlib.oauth2.rfc6749.grants import BaseGrant
    from flask import Request
    from flask import Response


class FormPayload(FlaskOAuth2Payload):
    """Parameters from the form body only, empty ones treated as omitted.

    Authlib reads ``request.values``, which mixes in the query string: RFC 6749
    §3.2 puts token-endpoint parameters in the body (a secret in a URL ends up
    in logs), and says a parameter sent without a value is omitted.
    """

    @property
    def data(self) -> dict[str, str]:
        return {key: value for key, value in self._request.form.items() if value}


class FormRequest(FlaskOAuth2Request):
    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.payload = FormPayload(request)


class AuthorizationServer(_Server):
    """One per app, kept in ``app.extensions`` (no module-level server)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.init_app(app)
        self.scopes_supported = [SCOPE]
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=_generator(SecretKind.ACCESS_TOKEN),
                refresh_token_generator=_generator(SecretKind.REFRESH_TOKEN),
                expires_generator=lambda client, grant_type: client.access_token_ttl,
            ),
        )
        for method in METHODS:
            self.register_client_auth_method(method, _token_endpoint_method(method))

    def query_client(self, client_id: str) -> OAuthClient | None:
        return find(OAuthClient, client_id=client_id)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        raise NotImplementedError("each grant saves its own tokens")

    def create_oauth2_request(self, request: Request | None) -> FormRequest:
        return FormRequest(flask_request)

    def get_token_grant(self, request: OAuth2Request) -> BaseGrant:
        # Authlib answers a missing grant_type with unsupported_grant_type;
        # it is a missing parameter (RFC 6749 §5.2 invalid_request).
        if not request.payload.grant_type:
            raise InvalidRequestError("Missing 'grant_type' in request.")
        return super().get_token_grant(request)

    def create_token_response(self, request: Request | None = None) -> Response:
        try:
            check_form_request(TOKEN_PARAMETERS)
        except InvalidRequestError as error:
            return self.handle_error_response(None, error)
        return super().create_token_response(request)

    def handle_error_response(
        self, request: OAuth2Request | None, error: OAuth2Error
    ) -> Response:
        if isinstance(error, InvalidClientError) and error.status_code == 401:
            error = ClientAuthenticationFailed()
        return super().handle_error_response(request, error)


CLIENT_PARAMETERS = {"client_id", "client_secret"}
TOKEN_PARAMETERS = CLIENT_PARAMETERS | {
    "grant_type",
    "username",
    "password",
    "scope",
    "refresh_token",
}
#: Of introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1).
TOKEN_ENDPOINT_PARAMETERS = CLIENT_PARAMETERS | {"token", "token_type_hint"}


def check_form_request(recognised: set[str], *, refuse_nul: bool = True) -> None:
    """RFC 6749 §3.2: a form body, each parameter idp reads at most once.

    Others are ignored, as §3.2 requires (RFC 8707's `resource` may even
    repeat). No parameter's syntax (Appendix A) allows a NUL character either.
    """
    if flask_request.mimetype != "application/x-www-form-urlencoded":
        raise InvalidRequestError("The body must be application/x-www-form-urlencoded.")
    for key in recognised & set(flask_request.form):
        values = flask_request.form.getlist(key)
        if len(values) > 1:
            raise InvalidRequestError(f"Parameter '{key}' is repeated.")
        if refuse_nul and "\x00" in values[0]:
            raise InvalidRequestError(f"Parameter '{key}' holds a NUL character.")


def _generator(kind: SecretKind) -> Callable[..., str]:
    def generate(**kwargs: object) -> str:
        return generate_secret(kind)

    return generate


def _token_endpoint_method(
    method: str,
) -> Callable[[Callable, OAuth2Request], OAuthClient | None]:
    def verified_client(
        query_client: Callable, request: OAuth2Request
    ) -> OAuthClient | None:
        verified = verify_client(request, method)
        return verified and db.session.get(OAuthClient, verified.id)

    return verified_client
