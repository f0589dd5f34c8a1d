"""`idp serve` with two workers: /metrics adds up both, and logs are JSON lines."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import threading
from pathlib import Path

import redis
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REDIS_URL

from .processes import BIN
from .processes import REPO  # noqa: F401
from .processes import ServerProcess
from .processes import clean_environment
from .processes import free_port
from .processes import run_command

REQUESTS = 40
TRACED = "gw-trace.7_a"
FORGED = 'x" "status": "500'


def inactive(families) -> float:
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "idp_introspections_total"
        and sample.labels == {"endpoint": "introspect", "result": "inactive"}
    )


def test_metrics_add_up_every_worker_and_logs_are_json(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that no longer runs
    stale = metrics_dir / f"counter_{gone.pid}.db"
    stale.write_bytes(b"left by an earlier run")
    prefix = f"idptest:{secrets.token_hex(8)}"
    env = clean_environment(
        IDP_DATABASE_URL=f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        IDP_SECRET_KEY=secrets.token_urlsafe(32),
        IDP_REDIS_URL=REDIS_URL,
        IDP_REDIS_KEY_PREFIX=prefix,
        IDP_LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    run_command([str(BIN / "idp"), "init", "--json"], env)
    caller = run_command(
        [str(BIN / "idp"), "client", "create", "gateway", "--introspect", "--json"],
        env,
    )
    port = free_port()
    server = ServerProcess(
        "idp",
        [str(BIN / "idp"), "serve", "--workers", "2", "--threads", "1",
         "--bind", f"127.0.0.1:{port}"],
        env,
        port=port,
        log_path=tmp_path / "idp.log",
    )  # fmt: skip
    server.start("/readyz")
    try:
        assert not stale.exists(), "a stale sample file would be added up"

        def introspect() -> None:
            # A new connection each time, so both workers take some.
            answer = requests.post(
                f"{server.url}/oauth/introspect",
                data={"token": "idp_at_unknown"},
                auth=("gateway", caller["client_secret"]),
                headers={"Connection": "close"},
                timeout=10,
            )
            assert answer.json() == {"active": False}

        threads = [threading.Thread(target=introspect) for _ in range(REQUESTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        text = requests.get(f"{server.url}/metrics", timeout=10).text
        assert inactive(text_string_to_metric_families(text)) == REQUESTS
        # Each worker's own file: the master's holds zeros, so two that counted
        # are both workers, and /metrics is their sum.
        counted = {
            path.name: inactive(MultiProcessCollector.merge([str(path)]))
            for path in metrics_dir.glob("counter_*.db")
        }
        assert len([n for n in counted.values() if n]) == 2, counted
        assert sum(counted.values()) == REQUESTS
        traced = requests.get(
            f"{server.url}/healthz", headers={"X-Request-Id": TRACED}, timeout=10
        )
        forged = requests.get(
            f"{server.url}/healthz", headers={"X-Request-Id": FORGED}, timeout=10
        )
    finally:
        server.stop()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    lines = [
        json.loads(line)
        for line in (tmp_path / "idp.log").read_text().splitlines()
        if line.startswith("{")
    ]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert len(access) >= REQUESTS + 3
    # Each access line carries the ID its answer returned: a gateway's kept, a
    # forged one replaced.
    assert traced.headers["X-Request-Id"] == TRACED
    assert forged.headers["X-Request-Id"] != FORGED
    ids = [line["request_id"] for line in access]
    assert TRACED in ids and forged.headers["X-Request-Id"] in ids
    assert FORGED not in (tmp_path / "idp.log").read_text()
    assert all(len(one) == 32 for one in ids if one != TRACED)
    assert {line["status"] for line in access} == {"200"}
    assert caller["client_secret"] not in (tmp_path / "idp.log").read_text()


def test_a_metrics_directory_is_made_for_each_start_and_removed_at_exit(tmp_path):
    """Without PROMETHEUS_MULTIPROC_DIR, `idp serve` makes a private one: fresh, so
    no earlier run's samples add up, and gone when the server stops."""
    env = clean_environment(
        IDP_DATABASE_URL=f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        IDP_SECRET_KEY=secrets.token_urlsafe(32),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    run_command([str(BIN / "idp"), "init", "--json"], env)
    port = free_port()
    server = ServerProcess(
        "idp",
        [str(BIN / "idp"), "serve", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        env,
        port=port,
        log_path=tmp_path / "idp.log",
    )
    server.start("/readyz")
    try:
        found = re.search(r"metrics samples in ([^\s\"]+)", server.output())
        assert found, server.output()
        directory = Path(found.group(1))
        assert directory.is_dir() and directory.stat().st_mode & 0o777 == 0o700
        assert requests.get(f"{server.url}/metrics", timeout=10).status_code == 200
        assert list(directory.glob("counter_*.db"))
    finally:
        server.stop()
    assert not directory.exists()


def test_a_start_that_fails_leaves_no_metrics_directory(tmp_path):
    """gunicorn run by hand with the settings (`idp serve` checks the configuration
    before it starts gunicorn): a configuration refused while the app loads, before
    any exit hook of gunicorn's can run, leaves nothing behind either."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = clean_environment(
        IDP_DATABASE_URL=f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        IDP_SECRET_KEY=secrets.token_urlsafe(32),
        IDP_RATE_LIMIT="not a limit",
        TMPDIR=str(scratch),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "python:idp.gunicorn_conf", "--workers", "1",
         "--bind", "127.0.0.1:0", "idp.wsgi:app"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "IDP_RATE_LIMIT" in result.stderr
    assert list(scratch.iterdir()) == []
