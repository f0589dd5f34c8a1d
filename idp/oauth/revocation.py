"""RFC 7009 token revocation."""

from __future__ import annotations

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint

from idp.oauth import services
from idp.oauth.introspection import authenticate_caller


class RevocationEndpoint(_RevocationEndpoint):
    """A client revokes the tokens issued to it."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def create_endpoint_response(self, request):
        client = authenticate_caller(request, self.CLIENT_AUTH_METHODS)
        token = request.form.get("token")
        if not token:
            raise InvalidRequestError("Missing 'token' in request.")
        # token_type_hint may be ignored (§2.1): prefixes say the kind.
        found = services.find_token(token)
        # §2.2: an invalid or unknown token gets 200 too.
        if found is not None:
            kind, row = found
            if row.client_id != client.id:
                # §2.1: refused; RFC 6749 §5.2 names this invalid_grant
                # ("issued to another client").
                raise InvalidGrantError("The token was issued to another client.")
            services.revoke_token(kind, row)
        return 200, {}, default_json_headers
