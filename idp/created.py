"""What a service answers when it makes a row with a secret shown only once."""

from __future__ import annotations

from typing import Any
from typing import NamedTuple


class Created(NamedTuple):
    """A new row and its secret in clear, side by side.

    The secret is never set on the row: an ORM object outlives the answer (the
    session's identity map, a later dump), and a secret must not. It unpacks as
    ``row, secret = ...``; ``secret`` is None when there is none to show.
    """

    row: Any
    secret: str | None
