"""Reading the credential a caller sent in its ``Authorization`` header."""

import base64
import binascii
import re
from dataclasses import dataclass
from dataclasses import field

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# No credential idp issues comes near this; longer ones are refused before any lookup.
MAX_CREDENTIAL_LENGTH = 4096


class MalformedCredential(ValueError):
    """The ``Authorization`` header is present but cannot hold a valid credential."""


@dataclass(frozen=True, slots=True)
class Credential:
    """A credential as it will be sent to introspection; ``secret`` is never shown."""

    kind: str
    secret: str = field(repr=False)

    @property
    def prefix(self) -> str:
        """Up to 8 leading characters, safe to log.

        For a Basic pair only the user part counts, so a short user name never lets
        the log show the start of the password.
        """
        return self.secret.split(":", 1)[0][:8]


def read_credential(authorization: str | None) -> Credential | None:
    """Return the credential in an ``Authorization`` header, or None when absent.

    ``Bearer`` carries a token (RFC 6750 §2.1). ``Basic`` carries an API account or
    API key pair (RFC 7617), forwarded to introspection as ``user:pass``.
    Raise MalformedCredential for anything else.
    """
    if authorization is None or not authorization.strip():
        return None
    if len(authorization) > MAX_CREDENTIAL_LENGTH:
        raise MalformedCredential("credential too long")
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    # RFC 9110 §11.1: the scheme is case-insensitive.
    scheme = scheme.lower()
    if scheme == "bearer":
        if not _B64TOKEN.fullmatch(value):
            raise MalformedCredential("not a bearer token")
        return Credential("bearer", value)
    if scheme == "basic":
        return Credential("basic", _decode_basic(value))
    raise MalformedCredential("unsupported authorization scheme")


def _decode_basic(value: str) -> str:
    """Decode ``base64(user:pass)`` (RFC 7617 §2, UTF-8, no control characters)."""
    try:
        pair = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise MalformedCredential("not base64 of a UTF-8 user:pass pair") from exc
    user, colon, password = pair.partition(":")
    if not user or not colon or not password:
        raise MalformedCredential("basic credential without user or password")
    if any(char < " " or char == "\x7f" for char in pair):
        raise MalformedCredential("basic credential with a control character")
    return pair
