"""RateLimit response header fields.

The three-field form of the IETF draft (draft-ietf-httpapi-ratelimit-headers
up to -06): `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` in
delta-seconds, because that is what most clients parse today.
"""

from __future__ import annotations

import time

from idp.ratelimit.limiter import Window


def ratelimit_headers(window: Window) -> dict[str, str]:
    """Headers describing ``window``; `Retry-After` only once it is exceeded."""
    if not window.counted:
        return {}
    seconds = max(0, window.reset - int(time.time()))
    headers = {
        "RateLimit-Limit": str(window.limit),
        "RateLimit-Remaining": str(window.remaining),
        "RateLimit-Reset": str(seconds),
    }
    if window.exceeded:
        headers["Retry-After"] = str(seconds)
    return headers
