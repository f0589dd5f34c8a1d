"""A PostgreSQL that hangs (the process frozen, its sockets open) is a 503 in bounded time."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from idp import create_app
from tests.admin.conftest import assert_problem

TIMEOUT = 1.0


class FreezingProxy:
    """Forwards TCP to PostgreSQL until ``freeze``, then holds every byte, as a
    stopped server does (its kernel still accepts and acknowledges)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set():
                time.sleep(0.05)
            try:
                sink.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def hung_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to hang; it waits on locks (busy_timeout)")
    parts = urlsplit(database_url)
    proxy = FreezingProxy(parts.hostname, parts.port or 5432)
    url = database_url.replace(
        f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}"
    )
    yield proxy, url
    proxy.close()


def test_a_hung_database_answers_503_within_the_timeout(hung_postgres, redis_prefix):
    proxy, url = hung_postgres
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "DATABASE_URL": url,
            "REDIS_URL": None,
            "PASSWORD_HASHING": "fast",
            "DATABASE_TIMEOUT": TIMEOUT,
        }
    )
    client = app.test_client()
    token = {"Authorization": f"Bearer idp_pat_{'a' * 43}"}
    assert client.get("/api/v1/me", headers=token).status_code == 401  # it answers
    assert client.get("/readyz").status_code == 200
    proxy.frozen.set()
    for path in ("/api/v1/me", "/readyz", "/api/v1/me"):
        answers = []
        # On a daemon thread, so that a hang fails the test instead of hanging it.
        asking = threading.Thread(
            target=lambda p, a: a.append(client.get(p, headers=token)),
            args=(path, answers),
            daemon=True,
        )
        asking.start()
        asking.join(4 * TIMEOUT + 2)
        assert answers, f"{path} still waiting on the hung database"
        assert answers[0].status_code == 503, answers[0].get_data(as_text=True)
    assert_problem(answers[0], 503)
