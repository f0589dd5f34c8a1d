"""A client-side deadline on every PostgreSQL round trip.

statement_timeout is enforced by the server, which a hung server cannot do, and
a frozen server's kernel still acknowledges TCP, so keepalives see nothing: only
the client can give up. Each round trip (statement, commit, rollback, the pool's
ping) arms a deadline; one thread per process shuts the socket of a connection
past it, and the driver's error becomes a 503 like any outage.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine.interfaces import DBAPIConnection

_CONNECTION_METHODS = ("do_ping", "do_commit", "do_rollback")
_CURSOR_METHODS = ("do_execute", "do_execute_no_params", "do_executemany")


class Watchdog:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._armed: dict[int, tuple[float, int]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def guard(self, engine: Engine) -> None:
        """Wrap the dialect's round trips of ``engine``."""
        dialect = engine.dialect
        for name in _CONNECTION_METHODS:
            setattr(dialect, name, self._wrap(getattr(dialect, name), lambda c: c))
        for name in _CURSOR_METHODS:
            setattr(
                dialect,
                name,
                self._wrap(getattr(dialect, name), lambda c: c.connection),
            )

    def _wrap(
        self,
        method: Callable[..., Any],
        connection_of: Callable[[Any], DBAPIConnection],
    ) -> Callable[..., Any]:
        def guarded(first: object, *args: Any, **kwargs: Any) -> Any:
            token = self._arm(connection_of(first))
            try:
                return method(first, *args, **kwargs)
            finally:
                with self._lock:
                    self._armed.pop(token, None)

        return guarded

    def _arm(self, dbapi_connection: DBAPIConnection) -> int | None:
        try:
            fd = dbapi_connection.pgconn.socket
        except Exception:  # not connected, or not psycopg: nothing to watch
            return None
        token = next(self._ids)
        with self._lock:
            self._armed[token] = (time.monotonic() + self.timeout, fd)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._watch, name="idp-db-watchdog", daemon=True
                )
                self._thread.start()
        return token

    def _watch(self) -> None:
        while True:
            time.sleep(min(0.25, self.timeout / 4))
            now = time.monotonic()
            with self._lock:
                overdue = [
                    k for k, (deadline, _) in self._armed.items() if deadline < now
                ]
                stuck = [self._armed.pop(k)[1] for k in overdue]
            for fd in stuck:
                _shut(fd)


def _shut(fd: int) -> None:
    """End the connection on ``fd`` without closing the descriptor the driver owns."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()
