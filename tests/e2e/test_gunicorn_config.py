"""`idp serve` (idp/gunicorn_conf.py) refuses what cannot work, before any worker starts."""

from __future__ import annotations

import collections
import http.client
import re
import secrets
import shutil
import subprocess
import time

import pytest
import redis

from tests.conftest import REDIS_URL

from .processes import BIN
from .processes import REPO
from .processes import ServerProcess
from .processes import clean_environment
from .processes import free_port
from .processes import run_command


def _environment(tmp_path) -> dict[str, str]:
    """SQLite and no Redis, no issuer."""
    return clean_environment(
        IDP_DATABASE_URL=f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        IDP_SECRET_KEY=secrets.token_urlsafe(32),
    )


def start_gunicorn(tmp_path, *options: str) -> subprocess.CompletedProcess:
    """gunicorn as production runs it, to the end of its start."""
    return subprocess.run(
        [str(BIN / "idp"), "serve", *options],
        cwd=REPO,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_several_workers_without_redis_refuse_to_start(tmp_path):
    """Per-process rate limits would multiply by the workers; revocations lag."""
    result = start_gunicorn(tmp_path, "--workers", "2", "--bind", "127.0.0.1:0")

    assert result.returncode == 1, result.stderr
    assert "need IDP_REDIS_URL" in result.stderr
    assert "Booting worker" not in result.stderr


@pytest.mark.parametrize("port", ["0", "fixed"])
def test_serving_beyond_loopback_needs_an_issuer(tmp_path, port):
    """RFC 8414 §2: the issuer is the server's own; a Host header can be anyone's.

    A fixed port gives each worker a socket of its own (reuse_port), so the
    master has none to look at: the check reads the bind address instead.
    """
    port = str(free_port()) if port == "fixed" else port
    result = start_gunicorn(tmp_path, "--workers", "1", "--bind", f"0.0.0.0:{port}")

    assert result.returncode == 1, result.stderr
    assert "needs IDP_ISSUER" in result.stderr
    assert "Booting worker" not in result.stderr


@pytest.mark.parametrize("bind", ["[::1]:0", "tcp://127.0.0.1:0", "unix:{tmp}/s"])
def test_loopback_in_any_form_starts_without_an_issuer(tmp_path, bind):
    """The check reads the sockets gunicorn listens on, not how they were named."""
    process = subprocess.Popen(
        [
            str(BIN / "idp"),
            "serve",
            "--workers",
            "1",
            "--bind",
            bind.format(tmp=tmp_path),
        ],
        cwd=REPO,
        env=_environment(tmp_path),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stderr:
            if "Booting worker" in line or "needs IDP_ISSUER" in line:
                break
    finally:
        process.terminate()
        process.communicate(timeout=30)

    assert "Booting worker" in line, line


def _wait_for_listeners(port: int, workers: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        listing = subprocess.run(
            ["ss", "-Htlnp", f"( sport = :{port} )"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        if len(set(re.findall(r"pid=(\d+)", listing))) >= workers:
            return
        assert time.monotonic() < deadline, listing
        time.sleep(0.1)


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_kept_alive_connections_spread_over_the_workers(tmp_path):
    """From one shared socket a single worker often took a whole pool; not any more."""
    prefix = f"idptest:{secrets.token_hex(8)}"
    env = {
        **_environment(tmp_path),
        "IDP_REDIS_URL": REDIS_URL,
        "IDP_REDIS_KEY_PREFIX": prefix,
    }
    run_command([str(BIN / "idp"), "init", "--json"], env)
    port = free_port()
    server = ServerProcess(
        "idp",
        [str(BIN / "idp"), "serve", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        env,
        port=port,
        log_path=tmp_path / "idp.log",
    ).start("/readyz")
    pool = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)
    ]
    try:
        # The kernel spreads over the sockets bound so far: on a loaded machine
        # the second worker may still be booting when the first answers.
        _wait_for_listeners(port, 2)
        for connection in pool:  # each opened and kept alive, as a client pool does
            connection.request("GET", "/healthz")
            assert connection.getresponse().read()
        listing = subprocess.run(
            ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        by_worker = collections.Counter(re.findall(r"pid=(\d+)", listing))
    finally:
        for connection in pool:
            connection.close()
        server.stop()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    assert sum(by_worker.values()) >= 16, listing  # and the readiness probe
    # Spread by a hash: both workers hold some (all on one: 1 chance in 32,768).
    assert len(by_worker) == 2, by_worker
