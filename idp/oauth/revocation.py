"""RFC 7009 token revocation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlib.consts import default_json_headers
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint

from idp.credentials.models import API_ACCOUNT_USERNAME
from idp.credentials.models import API_PUBLIC_KEY
from idp.oauth import tokens
from idp.oauth.client_auth import METHODS
from idp.oauth.client_auth import require_client
from idp.oauth.server import TOKEN_ENDPOINT_PARAMETERS
from idp.oauth.server import check_form_request
from idp.security import SecretKind

if TYPE_CHECKING:
    from authlib.oauth2.rfc6749 import OAuth2Request

NOT_REVOKED_HERE = (
    SecretKind.PERSONAL_ACCESS_TOKEN.value,
    API_ACCOUNT_USERNAME,
    API_PUBLIC_KEY,
)


class UnsupportedTokenType(OAuth2Error):
    """RFC 7009 §2.2.1, a 400 as RFC 6749 §5.2 says: Authlib's own is a 401 with
    a Basic challenge, as if the client had failed to authenticate."""

    error = "unsupported_token_type"
    status_code = 400


class RevocationEndpoint(_RevocationEndpoint):
    """A client revokes the tokens issued to it."""

    CLIENT_AUTH_METHODS = METHODS

    def create_endpoint_response(
        self, request: OAuth2Request
    ) -> tuple[int, dict, list[tuple[str, str]]]:
        # A token holding NUL is no token idp issued: inactive, or nothing to
        # revoke; resource servers forward what their callers send.
        check_form_request(TOKEN_ENDPOINT_PARAMETERS, refuse_nul=False)
        client = require_client(request)
        token = request.form.get("token")
        if not token:
            raise InvalidRequestError("Missing 'token' in request.")
        if token.startswith(NOT_REVOKED_HERE):
            # §2.2.1: no client was issued these; their owners revoke them.
            raise UnsupportedTokenType(
                "Revoke personal access tokens, API accounts and API keys "
                "through /api/v1 or the idp command."
            )
        # token_type_hint may be ignored (§2.1): prefixes say the kind.
        found = tokens.find_token(token)
        # §2.2: an invalid or unknown token gets 200 too.
        if found is not None:
            kind, row = found
            if row.client_id != client.id:
                # §2.1: refused; RFC 6749 §5.2 names this invalid_grant
                # ("issued to another client").
                raise InvalidGrantError("The token was issued to another client.")
            tokens.revoke_token(kind, row)
        return 200, {}, default_json_headers
