"""Domain errors raised by services, and the JSON error handlers of the app."""

from __future__ import annotations

from flask import Flask
from flask import jsonify
from flask import request
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule refused a change; the message is one sentence for the caller."""


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidInput(DomainError):
    pass


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors on machine endpoints as JSON, never as an HTML page."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not _is_machine_path():
            return error
        response = jsonify(
            error=error.name.lower().replace(" ", "_"),
            error_description=error.description,
        )
        response.status_code = error.code
        if "Allow" in (allow := dict(error.get_headers())):
            response.headers["Allow"] = allow["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if not _is_machine_path():
            return "Internal Server Error", 500
        return jsonify({"error": "server_error"}), 500


def _is_machine_path() -> bool:
    return not request.path.startswith("/console")
