"""Encryption at rest of what idp must send later (webhook secrets and credentials).

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`. Each key is derived
with HKDF-SHA256 from ``IDP_ENCRYPTION_KEY`` — a comma-separated list, the first
encrypting and all decrypting, so a key can be rotated — or, when that is unset,
from ``IDP_SECRET_KEY``. When both are set, the key derived from the secret key
still decrypts, so setting an encryption key later loses nothing.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from idp.errors import ConfigError

_INFO = b"idp webhook secrets v1"


class KeyMissing(ConfigError):
    """Neither IDP_ENCRYPTION_KEY nor IDP_SECRET_KEY is set."""


class Undecryptable(ConfigError):
    """A stored value no configured key decrypts (the key changed)."""


def encrypt(clear: str) -> str:
    """The Fernet token of ``clear``, as text for a column."""
    return _fernet(*_key_material()).encrypt(clear.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text of a value :func:`encrypt` made with any configured key."""
    try:
        return _fernet(*_key_material()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise Undecryptable(
            "A stored webhook secret cannot be decrypted: was IDP_ENCRYPTION_KEY "
            "or IDP_SECRET_KEY changed?"
        ) from None


def _key_material() -> tuple[str | None, str | None]:
    config = current_app.config
    return config.get("ENCRYPTION_KEY"), config.get("SECRET_KEY")


@functools.lru_cache(maxsize=8)
def _fernet(encryption_key: str | None, secret_key: str | None) -> MultiFernet:
    sources = [k.strip() for k in str(encryption_key or "").split(",") if k.strip()]
    if secret_key:
        sources.append(str(secret_key))
    if not sources:
        raise KeyMissing(
            "IDP_SECRET_KEY or IDP_ENCRYPTION_KEY must be set to store webhook secrets."
        )
    return MultiFernet([Fernet(_derive(source)) for source in sources])


def _derive(source: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        source.encode()
    )
    return base64.urlsafe_b64encode(key)
