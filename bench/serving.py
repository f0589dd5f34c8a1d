"""How gunicorn should serve idp: workers x threads, and how keep-alive spreads.

For each (workers, threads) pair it starts idp under `idp serve` on a fresh
PostgreSQL database and Redis, drives valid-token introspections with wrk over
kept-alive connections, and prints req/s, p50, p99 and how the connections fell
on the workers (sampled with `ss` during the run). `make bench-serving`; not
part of the test suite. The defaults in idp/gunicorn_conf.py come from it.
"""

from __future__ import annotations

import collections
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time

import psycopg

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.http_bench import BIN  # noqa: E402
from bench.http_bench import POSTGRES  # noqa: E402
from bench.http_bench import REDIS  # noqa: E402
from bench.http_bench import basic  # noqa: E402
from bench.http_bench import idp  # noqa: E402
from bench.http_bench import post  # noqa: E402
from bench.http_bench import wrk  # noqa: E402

PAIRS = [
    tuple(int(n) for n in pair.split("x"))
    for pair in os.environ.get("BENCH_PAIRS", "2x4,3x4,5x4,2x8,4x2,5x1").split(",")
]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def serve(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [os.path.join(BIN, "idp"), "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads),
         *os.environ.get("BENCH_SERVE_OPTIONS", "").split()],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    for _ in range(200):
        try:
            post(port, "/oauth/introspect", {"token": "x"}, "Basic eDp4")
        except OSError as error:
            if getattr(error, "code", None) == 401:
                return process
            time.sleep(0.1)
    raise RuntimeError("idp did not start")


def spread(port: int, stop: threading.Event, counts: list) -> None:
    """Connections to ``port`` by worker pid, sampled every half second."""
    while not stop.wait(0.5):
        out = subprocess.run(
            ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        by_pid = collections.Counter(re.findall(r"pid=(\d+)", out))
        if by_pid:
            counts.append(sorted(by_pid.values(), reverse=True))


def main() -> None:
    name = f"idp_serving_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDP_")},
        "IDP_DATABASE_URL": f"{base}/{name}",
        "IDP_REDIS_URL": REDIS,
        "IDP_REDIS_KEY_PREFIX": f"bench:{name}",
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_ISSUER": "http://127.0.0.1",
    }
    rows = []
    try:
        idp(env, "init")
        idp(env, "profile", "create", "bench", "--api-access")
        password = idp(env, "operator", "create", "bench", "--profile", "bench")[
            "password"
        ]
        idp(env, "operator", "set", "bench", "--rate-limit", "1000000/minute")
        script = idp(env, "client", "create", "bench-script")
        caller = idp(env, "client", "create", "bench-rs", "--introspect")
        caller_auth = basic("bench-rs", caller["client_secret"])
        token = None
        for round_ in range(ROUNDS):
            for workers, threads in PAIRS:
                port = 20400 + secrets.randbelow(2000)
                server = serve(env, port, workers, threads)
                try:
                    if token is None:
                        token = post(port, "/oauth/token", {
                            "grant_type": "password", "username": "bench",
                            "password": password,
                        }, basic("bench-script", script["client_secret"]))[
                            "access_token"
                        ]  # fmt: skip
                    wrk(port, f"token={token}", caller_auth, seconds=2)  # warm up
                    stop, counts = threading.Event(), []
                    sampler = threading.Thread(target=spread, args=(port, stop, counts))
                    sampler.start()
                    result = wrk(port, f"token={token}", caller_auth)
                    stop.set()
                    sampler.join()
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait()
                busiest = max((c[0] / sum(c) for c in counts), default=0)
                rows.append((round_, workers, threads, result, busiest, counts[-1:]))
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{'round':>5} {'workers x threads':>17} {'req/s':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'busiest worker share':>21} connections by worker")  # fmt: skip
    for round_, workers, threads, result, busiest, last in rows:
        print(
            f"{round_:>5} {f'{workers} x {threads}':>17} {result['rps']:8.0f} "
            f"{result['p50']:7.2f} {result['p99']:7.2f} {busiest:21.2f} {last}"
        )


if __name__ == "__main__":
    main()
