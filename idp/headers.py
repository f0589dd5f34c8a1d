"""Headers every answer carries: no page of idp may be framed by another site.

Set here once, so /docs, the console and every other page are covered; a page
that sets its own Content-Security-Policy keeps it, with ``frame-ancestors``
added when it lacks one.
"""

from __future__ import annotations

from flask import Flask
from flask import Response

NO_FRAMING = "frame-ancestors 'none'"


def refuse_framing(response: Response) -> Response:
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    policy = response.headers.get("Content-Security-Policy")
    if not policy:
        response.headers["Content-Security-Policy"] = NO_FRAMING
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy}; {NO_FRAMING}"
    return response


def init_app(app: Flask) -> None:
    app.after_request(refuse_framing)
