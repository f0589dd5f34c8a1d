"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``.

One signature per secret in force, space-separated, so that a receiver still
holding the secret from before a rotation verifies the delivery too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The key bytes of a ``whsec_<base64>`` secret; ValueError if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("A signing secret starts with whsec_.")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("A signing secret is whsec_ and base64.") from None
    if not key:
        raise ValueError("A signing secret is not empty.")
    return key


def sign(message_id: str, timestamp: int, body: bytes, secrets: list[str]) -> str:
    """The ``webhook-signature`` header value: one ``v1,`` signature per secret."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1,"
        + base64.b64encode(
            hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
        ).decode()
        for secret in secrets
    )
