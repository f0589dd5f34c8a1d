"""Request input that cannot become a 500: the body's transport and JSON's edges.

A client's mistake in how it sends a body (a malformed chunk, a body that
stalls) or in what JSON it sends (nesting deep enough to exhaust the parser,
an integer past Python's 4,300 digits, a lone UTF-16 surrogate that neither
the database nor argon2 can encode) is a 4xx in the endpoint's format, answered
before any view runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask import Flask
from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestTimeout

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from typing import IO

    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment


class _GuardedInput:
    """``wsgi.input`` whose failures are the client's (400, or 408 when it stalls)."""

    def __init__(self, stream: IO[bytes], environ: WSGIEnvironment) -> None:
        self._stream = stream
        self._environ = environ

    def _read(
        self, method: Callable[..., bytes | list[bytes]], *args: int
    ) -> bytes | list[bytes]:
        try:
            return method(*args)
        except HTTPException:
            raise
        except Exception as error:  # any failure to read the body is the client's
            # The rest of the connection cannot be trusted: no request after it.
            self._environ["idp.close_connection"] = True
            if isinstance(error, TimeoutError):
                raise RequestTimeout(
                    "The request body did not arrive in time."
                ) from None
            raise BadRequest("The request body is malformed.") from None

    def read(self, *args: int) -> bytes:
        return self._read(self._stream.read, *args)

    def readline(self, *args: int) -> bytes:
        return self._read(self._stream.readline, *args)

    def readlines(self, *args: int) -> list[bytes]:
        return self._read(self._stream.readlines, *args)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


class GuardedInputMiddleware:
    """Bounds how long a body may take, and turns a failed read into a 4xx.

    Under gunicorn the connection's socket gets ``timeout`` seconds per read, so
    a client that stops sending holds a thread that long, not forever.
    """

    def __init__(self, app: WSGIApplication, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            sock.settimeout(self.timeout)
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _GuardedInput(environ["wsgi.input"], environ)

        def start(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: OptExcInfo | None = None,
        ) -> Callable[[bytes], object]:
            if environ.get("idp.close_connection"):
                headers = [*headers, ("Connection", "close")]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def check_json_body() -> None:
    """Refuse a JSON body Python parses badly, before flask or webargs parse it."""
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        # Encoding back fails on a lone surrogate ("\ud800"), which no column
        # and no hash can take.
        json.dumps(json.loads(data), ensure_ascii=False).encode()
    except (ValueError, RecursionError, UnicodeError):
        raise BadRequest(
            "The body is not JSON idp accepts: malformed, nested too deep, an "
            "integer over 4300 digits, or a lone UTF-16 surrogate."
        ) from None


def init_app(app: Flask) -> None:
    app.wsgi_app = GuardedInputMiddleware(
        app.wsgi_app, float(app.config["REQUEST_READ_TIMEOUT"])
    )
    app.before_request(check_json_body)
