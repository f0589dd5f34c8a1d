"""`idp serve` with two workers: /metrics adds up both, and logs are JSON lines."""

from __future__ import annotations

import json
import secrets
import threading

import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REDIS_URL

from .processes import BIN
from .processes import REPO  # noqa: F401
from .processes import ServerProcess
from .processes import clean_environment
from .processes import free_port
from .processes import run_command

REQUESTS = 40


def test_metrics_add_up_every_worker_and_logs_are_json(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale = metrics_dir / "counter_1.db"
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
        families = {f.name: f for f in text_string_to_metric_families(text)}
        inactive = [
            s.value
            for s in families["idp_introspections"].samples
            if s.labels == {"endpoint": "introspect", "result": "inactive"}
        ]
        assert inactive == [REQUESTS]
        writers = {p.name for p in metrics_dir.glob("counter_*.db")}
        assert len(writers) >= 2, writers  # each worker wrote its own samples
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
    assert len(access) >= REQUESTS + 1
    assert all(len(line["request_id"]) == 32 for line in access)
    assert {line["status"] for line in access} == {"200"}
    assert caller["client_secret"] not in (tmp_path / "idp.log").read_text()
