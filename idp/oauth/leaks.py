"""Secrets found in public places: revoked at once, their owners told.

Anyone may report strings (a secret scanner, a security researcher); each that
is a live secret idp issued (recognised offline by its prefix and checksum,
then found by its digest) is revoked as its owner would revoke it, and a
``credential.leaked`` event says so. Secrets a person chose and idp stores as
argon2 hashes (passwords, client secrets) cannot be found by digest: a leaked
one is rotated by an admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from idp.accounts.credential_kinds import CredentialKind
from idp.audit.log import record
from idp.credentials import services as credentials
from idp.credentials.models import ApiAccount
from idp.credentials.models import ApiKey
from idp.credentials.models import PersonalAccessToken
from idp.events.outbox import emit
from idp.events.types import credential_data
from idp.extensions import db
from idp.oauth import tokens as oauth_tokens
from idp.security import SecretKind
from idp.security import is_well_formed
from idp.security import token_digest

if TYPE_CHECKING:
    from idp.accounts.models import Operator

#: The most strings one report may hold.
MAX_STRINGS = 1000
#: The longest string looked at; an issued secret is far shorter.
MAX_LENGTH = 1000


def revoke_leaked(strings: list[str]) -> int:
    """Revoke every live issued secret among ``strings``; how many (never answered)."""
    revoked = 0
    for text in strings:
        # A Basic pair ("idp_aa_…:idp_aap_…") or a bare secret.
        for part in set(text.strip().split(":")):
            revoked += _revoke(part.strip())
    return revoked


def _revoke(secret: str) -> int:
    if is_well_formed(secret, SecretKind.ACCESS_TOKEN) or is_well_formed(
        secret, SecretKind.REFRESH_TOKEN
    ):
        found = oauth_tokens.find_token(secret)
        if found is None:
            return 0
        row = found[1]
        if row.access_revoked_at and (
            row.refresh_revoked_at or not row.refresh_token_digest
        ):
            return 0
        # Either half of a login exposes the other's use: the whole login goes.
        _leaked("oauth_login", row.family_id, row.operator)
        oauth_tokens.revoke_family(row.family_id)
        return 1
    if is_well_formed(secret, SecretKind.PERSONAL_ACCESS_TOKEN):
        token = db.session.scalar(
            select(PersonalAccessToken).filter_by(
                token_digest=token_digest(secret), revoked_at=None
            )
        )
        if token is None:
            return 0
        _leaked(CredentialKind.PERSONAL_ACCESS_TOKEN, token.hint, token.operator)
        credentials.revoke_personal_access_token(None, token.operator, token.id)
        return 1
    if is_well_formed(secret, SecretKind.API_ACCOUNT_PASSWORD):
        account = db.session.scalar(
            select(ApiAccount).filter_by(password_digest=token_digest(secret))
        )
        if account is None:
            return 0
        _leaked(CredentialKind.API_ACCOUNT, account.username, account.operator)
        credentials.delete_api_account(None, account.operator, account.username)
        return 1
    if is_well_formed(secret, SecretKind.API_PRIVATE_KEY):
        key = db.session.scalar(
            select(ApiKey).filter_by(
                private_key_digest=token_digest(secret), revoked_at=None
            )
        )
        if key is None:
            return 0
        _leaked(CredentialKind.API_KEY, key.public_key, key.operator)
        credentials.revoke_api_key(None, key.operator, key.public_key)
        return 1
    return 0


def _leaked(kind: str, identifier: str, operator: Operator) -> None:
    """credential.leaked, as an event for its owner and in the audit log."""
    data = credential_data(kind, identifier, operator.username)
    emit("credential.leaked", data)
    record("credential.leaked", f"{kind}:{identifier}", before=data)
