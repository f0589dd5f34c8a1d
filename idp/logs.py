"""What idp's logs may carry: paths and statuses, never a body or a query's values.

Tokens travel in bodies and headers, which are never logged; a client that
puts a secret in a query string by mistake must not get it into the access log
either, so query values are replaced by ``REDACTED`` there.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qsl

from gunicorn.glogging import Logger

REDACTED = "REDACTED"


def redact_query(query: str) -> str:
    """``query`` with each value replaced; names stay, to tell requests apart."""
    if not query:
        return ""
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{name[:40]}={REDACTED}" for name in names) or REDACTED


class AccessLogger(Logger):
    """gunicorn's logger, with query values redacted in every request atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        query = redact_query(environ.get("QUERY_STRING", ""))
        target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        atoms["q"] = query
        atoms["r"] = f"{atoms['m']} {target} {atoms['H']}"
        # Headers carry credentials (Authorization, cookies): none is logged.
        return {k: v for k, v in atoms.items() if not k.startswith("{")}


class OncePerInterval:
    """Logs a repeated message once per ``interval`` seconds, then how often it came.

    During an outage every request fails alike: one line per interval says so,
    where one traceback per request would flood the log.
    """

    def __init__(self, logger: logging.Logger, interval: float = 10.0) -> None:
        self.logger = logger
        self.interval = interval
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int]] = {}

    def warning(self, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            last, repeated = self._seen.get(message, (None, 0))
            if last is not None and now - last < self.interval:
                self._seen[message] = (last, repeated + 1)
                return
            self._seen[message] = (now, 0)
        if repeated:
            message += f" (and {repeated} times more in the last {self.interval:g} s)"
        self.logger.warning(message)
