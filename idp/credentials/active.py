"""What introspection knows of an active credential, whatever its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import Operator
from idp.accounts.modules import MODULES_TAG

#: Kinds a resource server receives as `Authorization: Bearer`.
BEARER_KINDS = (CredentialKind.OAUTH_ACCESS_TOKEN, CredentialKind.PERSONAL_ACCESS_TOKEN)


@dataclass(frozen=True)
class ActiveCredential:
    """A snapshot a process may remember until a change names one of its tags."""

    kind: CredentialKind
    credential_id: int
    operator_id: int
    profile_id: int
    username: str
    rate_limit: str | None
    permissions: dict
    scope: str
    iat: int
    exp: int | None
    client_id: str | None = None
    client_pk: int | None = None
    family_id: str | None = None

    @classmethod
    def of(
        cls, operator: Operator, modules: list[str], **fields: Any
    ) -> ActiveCredential:
        return cls(
            operator_id=operator.id,
            profile_id=operator.profile_id,
            username=operator.username,
            rate_limit=operator.rate_limit,
            permissions=operator.profile.permissions(modules),
            **fields,
        )

    @property
    def counted(self) -> bool:
        """A refresh token is not a request to a resource API: nothing is counted."""
        return self.kind != CredentialKind.OAUTH_REFRESH_TOKEN

    def tags(self) -> tuple[tuple[str, str], ...]:
        """What a change must name to make this answer wrong (idp.changes)."""
        tags = [
            (self.kind.value, str(self.credential_id)),
            ("operator", str(self.operator_id)),
            ("profile", str(self.profile_id)),
            MODULES_TAG,
        ]
        if self.client_pk is not None:
            tags.append(("client", str(self.client_pk)))
        if self.family_id is not None:
            tags.append(("family", self.family_id))
        return tuple(tags)
