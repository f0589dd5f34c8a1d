"""What idp's logs may carry: paths and statuses, never a body or a query's values.

Tokens travel in bodies and headers, which are never logged; a client that
puts a secret in a query string by mistake must not get it into the access log
either, so query values are replaced by ``REDACTED`` there.
"""

from __future__ import annotations

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
