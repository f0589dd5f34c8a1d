"""HTTP benchmark of idp's hot path against a floor app, in one run.

Starts idp under gunicorn (idp/gunicorn_conf.py, as `idp serve` does) on a fresh PostgreSQL database
and Redis, and the floor app (bench/floor.py) under the same settings; drives both
with wrk and prints req/s, p50 and p99 per case with the ratio to the floor.
Not part of the test suite: `make bench-http` (needs wrk, PostgreSQL, Redis).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import psycopg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
POSTGRES = os.environ.get(
    "IDPTEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("IDPTEST_REDIS", "redis://127.0.0.1:6379/0")
DURATION = os.environ.get("BENCH_SECONDS", "10")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
WORKERS = os.environ.get("GUNICORN_WORKERS", "2")
THREADS = os.environ.get("GUNICORN_THREADS", "4")

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = %(auth)s
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    "RESULT %%f %%f %%f %%d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def lua(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string here


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def wrk(port: int, body: str, auth: str, path: str = "/oauth/introspect") -> dict:
    print(f"wrk {path} {body[:30]}...", file=sys.stderr, flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"body": lua(body), "auth": lua(auth)})
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "-s", script.name,
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    rps, p50, p99, errors = line.split()[1:]
    return {
        "rps": float(rps),
        "p50": float(p50),
        "p99": float(p99),
        "errors": int(errors),
    }


def idp(env: dict, *args: str) -> dict:
    done = subprocess.run(
        [os.path.join(BIN, "idp"), *args, "--json"], env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def serve(env: dict, port: int, app: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [os.path.join(BIN, "gunicorn"), "-c", "python:idp.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", WORKERS, "--threads", THREADS,
         "--access-logfile", os.environ.get("BENCH_ACCESS_LOG", "-"), app],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError as error:
            if getattr(error, "code", None) == 404:
                return process
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start")


def rss_kib(master: subprocess.Popen) -> int:
    children = subprocess.run(
        ["pgrep", "-P", str(master.pid)], capture_output=True, text=True
    ).stdout.split()
    total = 0
    for pid in children:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total = max(total, int(line.split()[1]))
    return total


def post(port: int, path: str, data: dict, auth: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=urllib.parse.urlencode(data).encode(),
        headers={"Authorization": auth},
    )
    return json.load(urllib.request.urlopen(request, timeout=10))


def introspections(port: int) -> dict[str, float]:
    """idp_introspections_total by result, read from /metrics (loopback may read)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10)
    return {
        sample.labels["result"]: sample.value
        for family in text_string_to_metric_families(text.read().decode())
        if family.name == "idp_introspections"
        for sample in family.samples
        if sample.labels.get("endpoint") == "introspect"
    }


def main() -> None:
    name = f"idp_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES.rsplit("/", 1)[0].replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDP_")},
        "IDP_DATABASE_URL": f"{base}/{name}",
        "IDP_REDIS_URL": REDIS,
        "IDP_REDIS_KEY_PREFIX": f"bench:{name}",
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_ISSUER": "http://127.0.0.1",
    }
    processes = []
    try:
        idp(env, "init")
        idp(env, "profile", "create", "bench", "--api-access")
        password = idp(env, "operator", "create", "bench", "--profile", "bench")[
            "password"
        ]
        idp(env, "operator", "set", "bench", "--rate-limit", "1000000/minute")
        script = idp(env, "client", "create", "bench-script")
        caller = idp(env, "client", "create", "bench-rs", "--introspect")
        idp_port, floor_port = (
            18400 + secrets.randbelow(500),
            19400 + secrets.randbelow(500),
        )
        processes.append(server := serve(env, idp_port, "idp.wsgi:app"))
        processes.append(serve(env, floor_port, "bench.floor:app"))
        script_auth = basic("bench-script", script["client_secret"])
        caller_auth = basic("bench-rs", caller["client_secret"])
        login = post(idp_port, "/oauth/token", {
            "grant_type": "password", "username": "bench", "password": password,
        }, script_auth)  # fmt: skip
        token = login["access_token"]
        sys.path.insert(0, ROOT)
        from idp.security import SecretKind
        from idp.security import generate_secret

        unknown = generate_secret(SecretKind.ACCESS_TOKEN)
        results = {}
        results["floor"] = wrk(floor_port, f"token={token}", caller_auth)
        rss_before = rss_kib(server)
        counted_before = introspections(idp_port)
        results["valid"] = wrk(idp_port, f"token={token}", caller_auth)
        results["garbage"] = wrk(idp_port, "token=not-a-token", caller_auth)
        results["unknown"] = wrk(idp_port, f"token={unknown}", caller_auth)
        counted_after = introspections(idp_port)

        from idp import create_app
        from idp.accounts import services as accounts
        from idp.credentials import services as credentials

        # Another process, as far as idp's workers know: its own app and memory.
        admin = create_app(
            {"DATABASE_URL": env["IDP_DATABASE_URL"], "REDIS_URL": REDIS,
             "REDIS_KEY_PREFIX": env["IDP_REDIS_KEY_PREFIX"]}, serving=False,
        )  # fmt: skip
        with admin.app_context():
            operator = accounts.get_operator("bench")
            pats = [
                credentials.issue_personal_access_token(None, operator, name=f"r{n}")[
                    0
                ].id
                for n in range(int(DURATION) * 10 + 20)
            ]
        stop = threading.Event()

        def revoke() -> None:
            with admin.app_context():
                operator = accounts.get_operator("bench")
                for pat in pats:
                    if stop.wait(0.1):
                        return
                    credentials.revoke_personal_access_token(None, operator, pat)

        revoker = threading.Thread(target=revoke)
        revoker.start()
        results["valid, 10 revocations/s"] = wrk(
            idp_port, f"token={token}", caller_auth
        )
        stop.set()
        revoker.join()
        rss_after = rss_kib(server)
        results["password grant"] = wrk(
            idp_port,
            urllib.parse.urlencode(
                {"grant_type": "password", "username": "bench", "password": password}
            ),
            script_auth,
            "/oauth/token",
        )
        argon2_rate = _argon2_rate()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait()
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    floor = results["floor"]
    print(
        f"{'case':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7}"
    )
    for case, result in results.items():
        reference = argon2_rate if case == "password grant" else floor["rps"]
        print(
            f"{case:28} {result['rps']:9.0f} {result['p50']:8.2f} {result['p99']:8.2f}"
            f" {result['errors']:7d} {result['rps'] / reference:7.2f}"
        )
    print(
        f"raw argon2 verifications/s (2 threads, default parameters): {argon2_rate:.1f}"
    )
    ratio = results["valid, 10 revocations/s"]["rps"] / results["valid"]["rps"]
    print(f"valid under revocations / valid: {ratio:.2f}")
    moved = {
        result: counted_after.get(result, 0) - counted_before.get(result, 0)
        for result in ("active", "inactive", "exceeded")
    }
    print(
        "/metrics idp_introspections_total moved by "
        + ", ".join(f"{result} {count:.0f}" for result, count in moved.items())
        + f" (wrk counted {results['valid']['rps'] * float(DURATION):.0f} valid and "
        f"{(results['garbage']['rps'] + results['unknown']['rps']) * float(DURATION):.0f}"
        " other requests)"
    )
    print(f"largest worker RSS: {rss_before} KiB before, {rss_after} KiB after "
          f"({rss_after / rss_before:.2f}x)")  # fmt: skip


def _argon2_rate() -> float:
    """Verifications a second at the default parameters, two at a time (2 cores)."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    hashed = hasher.hash("benchmark password")
    count = 0
    deadline = time.monotonic() + 5
    lock = threading.Lock()

    def verify() -> None:
        nonlocal count
        while time.monotonic() < deadline:
            hasher.verify(hashed, "benchmark password")
            with lock:
                count += 1

    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / 5


if __name__ == "__main__":
    main()
