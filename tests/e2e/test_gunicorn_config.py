"""`idp serve` (idp/gunicorn_conf.py) refuses what cannot work, before any worker starts."""

from __future__ import annotations

import secrets
import subprocess

import pytest

from .processes import BIN
from .processes import REPO
from .processes import clean_environment


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


def test_serving_beyond_loopback_needs_an_issuer(tmp_path):
    """RFC 8414 §2: the issuer is the server's own; a Host header can be anyone's."""
    result = start_gunicorn(tmp_path, "--workers", "1", "--bind", "0.0.0.0:0")

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
