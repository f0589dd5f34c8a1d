"""The kinds of credential an operator holds: one word for each, everywhere.

The introspection answer's `credential` member, the tags of changes, and the
permission rules (idp.accounts.permissions) all name a credential by these. It
lives in idp.accounts, the bottom layer, so that the rules can name a kind
without importing idp.credentials.
"""

from __future__ import annotations

from enum import StrEnum


class CredentialKind(StrEnum):
    """A kind of credential; also the `credential` member of an introspection answer."""

    OAUTH_ACCESS_TOKEN = "oauth_access_token"
    OAUTH_REFRESH_TOKEN = "oauth_refresh_token"
    PERSONAL_ACCESS_TOKEN = "personal_access_token"
    API_ACCOUNT = "api_account"
    API_KEY = "api_key"


#: The kinds an operator creates, lists and revokes itself (or an admin does);
#: OAuth tokens come from grants and end with their login.
MANAGED_KINDS = (
    CredentialKind.PERSONAL_ACCESS_TOKEN,
    CredentialKind.API_ACCOUNT,
    CredentialKind.API_KEY,
)
