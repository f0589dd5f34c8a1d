"""Secrets: generation with kind prefixes, digests, hashing and comparison.

High-entropy secrets idp issues are found by their SHA-256 digest; secrets a person
chooses (passwords, admin-chosen client secrets) are hashed with argon2id. Nothing
here logs, and nothing stores a secret in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import zlib
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

#: Bytes of randomness in every issued secret (256 bits).
SECRET_BYTES = 32
_BODY = re.compile(r"[A-Za-z0-9_-]{43}")
_CHECKED_BODY = re.compile(r"[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


class SecretKind(StrEnum):
    """The prefix of each kind of issued secret, so scanners can recognise leaks."""

    ACCESS_TOKEN = "idp_at_"
    REFRESH_TOKEN = "idp_rt_"
    CLIENT_SECRET = "idp_cs_"
    PASSWORD = "idp_pw_"
    PERSONAL_ACCESS_TOKEN = "idp_pat_"
    API_ACCOUNT_PASSWORD = "idp_aap_"
    API_PRIVATE_KEY = "idp_sk_"


def generate_secret(kind: SecretKind) -> str:
    """A new secret of ``kind``: its prefix, 256 random bits in base64url, and a
    checksum of both (CRC32 in six base62 digits, as GitHub's tokens end), so a
    mistyped or invented secret is refused offline and scanners can tell a real one.
    """
    unchecked = kind.value + secrets.token_urlsafe(SECRET_BYTES)
    return unchecked + _checksum(unchecked)


def is_well_formed(secret: str, kind: SecretKind) -> bool:
    """Whether ``secret`` could be an issued ``kind``, checked before any lookup.

    Secrets issued before checksums (no checksum, 43 characters after the prefix)
    are accepted while ``ACCEPT_UNCHECKSUMMED_SECRETS`` is on: turn it off once the
    last of them has expired or been revoked.
    """
    if not secret.startswith(kind.value):
        return False
    body = secret[len(kind.value) :]
    if _CHECKED_BODY.fullmatch(body):
        return hmac.compare_digest(secret[-6:], _checksum(secret[:-6]))
    return bool(_BODY.fullmatch(body)) and bool(
        current_app.config["ACCEPT_UNCHECKSUMMED_SECRETS"]
    )


def _checksum(text: str) -> str:
    number = zlib.crc32(text.encode())
    digits = []
    for _ in range(6):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def token_digest(secret: str) -> str:
    """The SHA-256 digest under which a high-entropy secret is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


#: Keys this process's in-memory caches: nothing keyed with it leaves the
#: process, so it needs no configured secret and changes at every start.
_PROCESS_KEY = secrets.token_bytes(32)


def keyed_digest(value: str) -> bytes:
    """An HMAC of ``value`` under this process's key, for in-memory caches only."""
    return hmac.digest(_PROCESS_KEY, value.encode(), "sha256")


def derived_key(secret_key: str, purpose: str) -> bytes:
    """A key for one ``purpose`` derived (HKDF-SHA256) from the app's secret key."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()
    ).derive(str(secret_key).encode())


def constant_time_equals(a: bytes | str, b: bytes | str) -> bool:
    """Compare secrets without leaking where they differ."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


_HASHERS = {
    "default": PasswordHasher(),
    # Tests hash hundreds of passwords; this profile is rejected outside them.
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def _hasher() -> PasswordHasher:
    return _HASHERS[current_app.config["PASSWORD_HASHING"]]


def hash_password(password: str) -> str:
    """An argon2id hash of a password or admin-chosen secret."""
    return _hasher().hash(password)


def verify_password(
    password_hash: str | None, password: str
) -> tuple[bool, str | None]:
    """Check ``password``; return (ok, new hash when the parameters changed).

    With no hash (unknown user, or an account without a password) a dummy hash is
    still verified, so the answer takes as long as for a real account.
    """
    hasher = _hasher()
    if password_hash is None:
        _verify(hasher, _dummy_hash(), password)
        return False, None
    if not _verify(hasher, password_hash, password):
        return False, None
    if hasher.check_needs_rehash(password_hash):
        return True, hasher.hash(password)
    return True, None


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    profile = current_app.config["PASSWORD_HASHING"]
    if profile not in _DUMMY_HASHES:
        _DUMMY_HASHES[profile] = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[profile]
