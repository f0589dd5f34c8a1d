"""What an identifier (client ID, username, profile name) may be made of.

Each one appears in an API path, and client IDs and usernames in HTTP Basic
credentials, so it is made of characters that need no care anywhere: letters,
digits and ``. _ @ + ~ -``. No '/', which no path segment can carry; no ':',
which Basic authentication splits on; no space or control character.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from idp.errors import InvalidInput


class Rule(NamedTuple):
    """Which characters one kind of name is made of: as a pattern, and in words."""

    pattern: str
    allowed: str

    def check(self, value: str, *, what: str, field: str, max_length: int) -> str:
        """``value`` without surrounding spaces, or InvalidInput naming ``field``."""
        value = value.strip()
        if not value:
            raise InvalidInput(f"{what} is empty.", field=field)
        if len(value) > max_length:
            raise InvalidInput(
                f"{what} has at most {max_length} characters.", field=field
            )
        if value in (".", ".."):
            raise InvalidInput(f"{what} cannot be '.' or '..'.", field=field)
        if not re.fullmatch(self.pattern, value):
            raise InvalidInput(f"{what} is made of {self.allowed} only.", field=field)
        return value


# Not "." or "..": clients and browsers resolve those path segments away.
NAME = Rule(r"^(?!\.\.?$)[A-Za-z0-9._@+~-]+$", "letters, digits and . _ @ + ~ -")
#: Without '+': a client ID is form-encoded inside Basic (RFC 6749 §2.3.1), where
#: a '+' sent as it is would arrive as a space.
CLIENT_ID = Rule(r"^(?!\.\.?$)[A-Za-z0-9._@~-]+$", "letters, digits and . _ @ ~ -")
