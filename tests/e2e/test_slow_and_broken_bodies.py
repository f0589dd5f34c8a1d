"""Under real gunicorn: a malformed chunked body is a 400, a stalled body frees its thread."""

from __future__ import annotations

import os
import socket
import time

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from .processes import start_idp

READ_TIMEOUT = 2
STALLED = 12  # more than the 2 workers x 4 threads the test server has


@pytest.fixture(scope="module")
def strict_idp(deployment, log_dir):
    server = start_idp(
        {**deployment.env, "IDP_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT)}, log_dir
    )
    yield server
    server.stop()


def _connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def test_a_malformed_chunk_on_revoke_is_a_400(strict_idp, deployment):
    client = deployment.script_client
    with _connect(strict_idp) as sock:
        sock.sendall(
            b"POST /oauth/revoke HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\ntoken=abc\r\n0\r\n\r\n"
        )
        answer = sock.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 400"), answer
    assert "Traceback" not in strict_idp.output()
    assert client  # the deployment's clients exist; the body never got that far


def test_stalled_bodies_do_not_hang_healthz(strict_idp):
    """Each stalled body holds a thread for the read timeout, not for ever."""
    stalled = []
    for _ in range(STALLED):
        sock = _connect(strict_idp)
        sock.sendall(
            b"POST /oauth/revoke HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\ntoken="
        )
        stalled.append(sock)
    try:
        started = time.monotonic()
        response = requests.get(f"{strict_idp.url}/healthz", timeout=20)
        assert response.status_code == 200
        assert time.monotonic() - started < 3 * READ_TIMEOUT + 5
        for sock in stalled[:2]:
            assert sock.recv(65536).startswith(b"HTTP/1.1 408")
    finally:
        for sock in stalled:
            sock.close()


_TOKEN_CHARS = st.sampled_from(list(b"0123456789abcdefxyz;= \t\r\n-\x00\xff"))


@settings(
    max_examples=int(os.environ.get("IDPTEST_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    path=st.sampled_from(["/oauth/revoke", "/oauth/token", "/oauth/introspect"]),
    chunks=st.lists(st.binary(max_size=40), max_size=4),
    size_line=st.lists(_TOKEN_CHARS, max_size=12).map(bytes),
    header=st.binary(max_size=60),
)
def test_no_raw_request_gets_a_5xx(strict_idp, path, chunks, size_line, header):
    """Hypothesis writes chunked bodies and header lines byte by byte."""
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    request = (
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fuzz: %s\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"%s%s\r\n0\r\n\r\n"
    ) % (path.encode(), header.replace(b"\r", b"").replace(b"\n", b""), body, size_line)
    with _connect(strict_idp) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else b""
    assert not status.startswith(b"5"), answer[:300]
