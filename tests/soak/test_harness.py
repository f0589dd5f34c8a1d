"""The soak's own parts, quickly, so that `make soak` cannot rot unnoticed."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.soak.faults import CUT
from tests.soak.faults import HANG
from tests.soak.faults import PASS
from tests.soak.faults import Proxy
from tests.soak.soak import GRACE
from tests.soak.soak import Answer
from tests.soak.soak import Record
from tests.soak.soak import Window
from tests.soak.soak import verdict


def record(*answers: tuple[float, int], stale: int = 0) -> Record:
    result = Record(windows=[Window("redis hung", start=10.0, end=15.0)])
    result.answers = [Answer(at, "introspect", status) for at, status in answers]
    result.stale = [(20.0, "active 0.1 s after its revocation")] * stale
    return result


def test_errors_inside_a_window_and_its_grace_pass():
    lines, passed = verdict(record((9.0, 200), (12.0, 503), (15.0 + GRACE, 0)))
    assert passed, lines
    assert "outside the windows: 5xx 0, no answer 0" in lines


@pytest.mark.parametrize("status", [500, 503, 0])
def test_an_error_outside_every_window_fails(status):
    lines, passed = verdict(record((12.0, 503), (15.0 + GRACE + 0.1, status)))
    assert not passed
    assert any(f"-> {status}" in line for line in lines), lines


def test_a_stale_answer_fails_even_without_errors():
    lines, passed = verdict(record((1.0, 200), stale=1))
    assert not passed
    assert "stale answers after a revocation: 1" in lines


@pytest.fixture
def echo() -> tuple[str, int]:
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()
    server.close()


def _echo(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(1024):
            conn.sendall(data)


def test_the_proxy_passes_hangs_and_cuts(echo):
    proxy = Proxy(echo)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=2) as sock:
            sock.sendall(b"ping")
            assert sock.recv(16) == b"ping"

            proxy.set(HANG)
            sock.sendall(b"held")
            sock.settimeout(0.3)
            with pytest.raises(TimeoutError):
                sock.recv(16)
            proxy.set(PASS)
            sock.settimeout(2)
            assert sock.recv(16) == b"held"

            proxy.set(CUT)
            time.sleep(0.1)
            with pytest.raises(OSError):
                sock.sendall(b"gone")
                if not sock.recv(16):
                    raise ConnectionResetError
        with pytest.raises(OSError):
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=2) as sock:
                sock.sendall(b"x")
                if not sock.recv(16):
                    raise ConnectionResetError
        proxy.set(PASS)
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=2) as sock:
            sock.sendall(b"back")
            assert sock.recv(16) == b"back"
    finally:
        proxy.close()
