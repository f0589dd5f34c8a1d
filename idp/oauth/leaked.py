"""POST /oauth/leaked: report secrets found in public, as GitHub's revocation API takes.

No authentication: whoever finds a secret may report it. The body is a JSON
array of up to MAX_STRINGS strings (or of objects with a ``token`` member, as
secret scanners send). Every live secret idp issued among them is revoked
(idp.oauth.leaks). The answer is the same whatever was found, so the
endpoint cannot be used to test whether a string is live; and reports are
limited per source address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask import jsonify
from flask import request

from idp.audit.log import acting
from idp.oauth.leaks import MAX_LENGTH
from idp.oauth.leaks import MAX_STRINGS
from idp.oauth.leaks import revoke_leaked
from idp.oauth.views import bp
from idp.ratelimit import failure_throttle

if TYPE_CHECKING:
    from flask import Response
    from flask.typing import ResponseReturnValue


@bp.post("/oauth/leaked")
def leaked() -> ResponseReturnValue:
    names = [f"leak-reports:{request.remote_addr}"]
    limit = str(current_app.config["LEAK_REPORT_LIMIT"])
    retry_after = failure_throttle().failures_exceeded(names, limit)
    if retry_after:
        response = _error("Too many reports from this address; try again later.", 429)
        response.headers["Retry-After"] = str(retry_after)
        return response
    strings = _strings(request.get_json(silent=True))
    if strings is None:
        return _error(
            f"Send a JSON array of at most {MAX_STRINGS} strings, or of objects "
            'with a "token" string.',
            400,
        )
    failure_throttle().count_failures(names, limit)
    acting("leak_report", None)
    revoke_leaked(strings)
    return jsonify({"received": len(strings)}), 202


def _strings(body: object) -> list[str] | None:
    if not isinstance(body, list) or not 0 < len(body) <= MAX_STRINGS:
        return None
    strings = []
    for item in body:
        if isinstance(item, dict):
            item = item.get("token")
        if not isinstance(item, str) or len(item) > MAX_LENGTH:
            return None
        strings.append(item)
    return strings


def _error(description: str, status: int) -> Response:
    response = jsonify({"error": "invalid_request", "error_description": description})
    response.status_code = status
    return response
