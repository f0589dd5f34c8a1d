"""What idp's logs may carry: paths and statuses, never a body or a query's values.

Tokens travel in bodies and headers, which are never logged; a client that
puts a secret in a query string by mistake must not get it into the access log
either, so query values are replaced by ``REDACTED`` there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from flask import Flask
from flask import Response
from flask import g
from flask import has_request_context
from flask import request
from gunicorn.glogging import Logger

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from gunicorn.http.message import Request as GunicornRequest
    from gunicorn.http.wsgi import Response as GunicornResponse

REDACTED = "REDACTED"


def redact_query(query: str) -> str:
    """``query`` with each value replaced; names stay, to tell requests apart."""
    if not query:
        return ""
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{name[:40]}={REDACTED}" for name in names) or REDACTED


class AccessLogger(Logger):
    """gunicorn's logger, with query values redacted in every request atom."""

    def atoms(
        self,
        resp: GunicornResponse,
        req: GunicornRequest,
        environ: WSGIEnvironment,
        request_time: dt.timedelta,
    ) -> dict[str, str]:
        atoms = super().atoms(resp, req, environ, request_time)
        query = redact_query(environ.get("QUERY_STRING", ""))
        target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        atoms["q"] = query
        atoms["r"] = f"{atoms['m']} {target} {atoms['H']}"
        atoms["request_id"] = next(
            (value for name, value in resp.headers if name.lower() == "x-request-id"),
            "-",
        )
        # Headers carry credentials (Authorization, cookies): none is logged.
        return {k: v for k, v in atoms.items() if not k.startswith("{")}

    def access(
        self,
        resp: GunicornResponse,
        req: GunicornRequest,
        environ: WSGIEnvironment,
        request_time: dt.timedelta,
    ) -> None:
        """The access line; in JSON, its parts as fields with the request ID."""
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {
            "remote": atoms["h"],
            "request": atoms["r"],
            "status": atoms["s"],
            "bytes": atoms["b"],
            "ms": atoms["M"],
        }
        self.access_log.info(
            self.cfg.access_log_format,
            self.atoms_wrapper_class(atoms),
            extra={"fields": fields, "request_id": atoms["request_id"]},
        )


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


# -- request IDs and JSON lines ---------------------------------------------

#: An incoming X-Request-Id is kept only when it is this short and plain, so a
#: caller cannot forge log lines or stuff megabytes into every line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def assign_request_id() -> None:
    """The caller's X-Request-Id when safe (a gateway's, to join its logs), else a new one."""
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def return_request_id(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the request's, or None outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the access log brings its own
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (and fields)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure(
    log_format: str, handlers: list[logging.Handler] = (), level: int | None = None
) -> None:
    """Send idp's own log lines to stderr (and format ``handlers``) as text or JSON.

    Called by the processes that serve or work (gunicorn's hooks, the webhook
    worker), not by create_app: a test or an embedding application keeps its
    own logging.
    """
    formatter = (
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)
    for each in (handler, *handlers):
        each.setFormatter(formatter)
        each.addFilter(RequestIdFilter())


def init_app(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(return_request_id)
