"""What introspection knows of an active credential, whatever its kind."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from idp.accounts.models import Operator


class CredentialKind(StrEnum):
    """The `credential` member of an introspection answer."""

    OAUTH_ACCESS_TOKEN = "oauth_access_token"
    PERSONAL_ACCESS_TOKEN = "personal_access_token"
    API_ACCOUNT = "api_account"
    API_KEY = "api_key"


@dataclass(frozen=True)
class ActiveCredential:
    """A snapshot that the per-process cache may keep until the next invalidation."""

    kind: CredentialKind
    credential_id: int
    operator_id: int
    username: str
    rate_limit: str | None
    permissions: dict
    iat: int
    exp: int | None
    client_id: str | None = None

    @classmethod
    def of(
        cls,
        operator: Operator,
        modules: list[str],
        **fields,
    ) -> ActiveCredential:
        return cls(
            operator_id=operator.id,
            username=operator.username,
            rate_limit=operator.rate_limit,
            permissions=operator.profile.permissions(modules),
            **fields,
        )
