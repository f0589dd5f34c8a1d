"""Domain errors raised by services, and the one place errors become responses.

Two shapes, each the standard of its surface: RFC 9457 problem details under
/api, and RFC 6749's {"error", "error_description"} everywhere else that a
machine calls (OAuth endpoints render their own through Authlib). Never an HTML
page and never a traceback.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from flask import Flask
from flask import Response
from flask import jsonify
from flask import request
from marshmallow import Schema
from marshmallow import fields
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.http import HTTP_STATUS_CODES

from idp import metrics
from idp.logs import OncePerInterval

#: SQLSTATE classes of a database that cannot serve now (connection, read-only
#: transaction, insufficient resources such as a full disk, operator
#: intervention, a statement timeout), not of a wrong query.
_UNAVAILABLE_SQLSTATES = ("08", "25006", "53", "57")
#: SQLite's words for the same.
_UNAVAILABLE_SQLITE = ("readonly", "read-only", "disk", "locked", "unable to open")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which key and why."""


_Found = TypeVar("_Found")


class DomainError(Exception):
    """A rule refused a change; the message is one sentence for the caller."""

    status = 400


class NotFound(DomainError):
    status = 404


def found(row: _Found | None, missing: str) -> _Found:
    """``row``, unless there is none: then NotFound, saying ``missing``."""
    if row is None:
        raise NotFound(missing)
    return row


class Conflict(DomainError):
    status = 409


class InvalidInput(DomainError):
    """Input a rule refused; ``field`` names the body member it came from."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ApiError(Exception):
    """An HTTP answer raised from the API layer (401, 403, 429, ...)."""

    def __init__(self, status: int, detail: str, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


class ProblemSchema(Schema):
    """RFC 9457 problem details: the body of every error under /api."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Unprocessable Entity"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={
            "description": "for invalid input: a list of messages by request "
            "member (nested members nest)"
        },
    )


def problem(
    status: int,
    detail: str | None,
    *,
    headers: dict | None = None,
    errors: dict | None = None,
) -> Response:
    """An RFC 9457 problem details response."""
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or HTTP_STATUS_CODES.get(status, "Error"),
        **({"errors": errors} if errors else {}),
    }
    response = jsonify(ProblemSchema().dump(body))
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.update(headers or {})
    return response


def http_error_response(error: HTTPException) -> Response:
    """The JSON answer to an HTTP error raised outside the OAuth endpoints."""
    headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
    if error.code == 503:
        headers.setdefault("Retry-After", "5")
    if request.path.startswith("/api/"):
        errors = {}
        messages = (getattr(error, "data", None) or {}).get("messages") or {}
        # webargs nests messages by location ("json", "query"); callers want
        # the field names.
        for location, found in messages.items():
            if isinstance(found, dict):
                errors.update(found)
            else:
                errors[location] = found
        return problem(error.code, error.description, headers=headers, errors=errors)
    # RFC 6749 §5.2 names a malformed request invalid_request, and §4.1.2.1
    # a server that cannot serve now temporarily_unavailable.
    name = {400: "invalid_request", 503: "temporarily_unavailable"}.get(
        error.code, error.name
    )
    response = jsonify(
        error=name.lower().replace(" ", "_"),
        error_description=error.description,
    )
    response.status_code = error.code
    response.headers.update(headers)
    return response


def register_error_handlers(app: Flask) -> None:
    """Every error on a machine endpoint is JSON, from here."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> HTTPException | Response:
        if request.path.startswith("/console"):
            return error
        return http_error_response(error)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        field = getattr(error, "field", None)
        errors = {field: [str(error)]} if field else None
        return problem(error.status, str(error), errors=errors)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return problem(error.status, error.detail, headers=error.headers)

    # Not app.logger: reading it installs Flask's handler on the idp logger,
    # and every idp log line would print twice.
    outage_log = OncePerInterval(logging.getLogger(__name__))

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Response:
        if not database_unavailable(error):
            return unexpected_error(error)
        from idp.extensions import db

        try:
            db.session.rollback()
        except DBAPIError:
            db.session.remove()
        metrics.DATABASE_ERRORS.inc()
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
        outage_log.warning(f"database unavailable: {reason}")
        return http_error_response(
            ServiceUnavailable(
                "The database cannot serve this request now (unreachable, or not "
                "accepting writes); try again shortly."
            )
        )

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return http_error_response(InternalServerError())


def database_unavailable(error: DBAPIError) -> bool:
    """Whether ``error`` says the database cannot serve now, rather than a bug."""
    if error.connection_invalidated:
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    if state:
        return state.startswith(_UNAVAILABLE_SQLSTATES)
    message = str(getattr(error, "orig", error)).lower()
    return any(word in message for word in _UNAVAILABLE_SQLITE) or (
        "connection" in message
    )
