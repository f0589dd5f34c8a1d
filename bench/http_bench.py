"""HTTP benchmark of idp's hot path against a floor app, in one run.

Starts idp under gunicorn (idp/gunicorn_conf.py, as `idp serve` does) on a fresh PostgreSQL database
and Redis, and the floor app (bench/floor.py) under the same settings; drives both
with wrk and prints req/s, p50 and p99 per case with the ratio to the floor.
Besides the floor cases: new well-formed unknown tokens each request (wrk makes
them, checksum included) with 10^3 and then BENCH_LIVE_TOKENS (10^6) live tokens
in the table, refresh with rotation (and the statements one refresh takes), and
worker RSS after 10^4 and after BENCH_RSS_INTROSPECTIONS (10^6) introspections.
Not part of the test suite: `make bench-http` (needs wrk, PostgreSQL, Redis); the
10^6 cases make it last about a quarter of an hour on two cores.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
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
LIVE_TOKENS = int(float(os.environ.get("BENCH_LIVE_TOKENS", "1e6")))
RSS_INTROSPECTIONS = int(float(os.environ.get("BENCH_RSS_INTROSPECTIONS", "1e6")))

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = %(auth)s
%(request)s
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    "RESULT %%f %%f %%f %%d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
"""


#: A new well-formed access token for every request: 256 random bits and the
#: CRC32 checksum in base62 that idp.security computes, so each one passes the
#: offline check and costs idp its one indexed SELECT.
RANDOM_TOKENS = """
local bit = require("bit")
local crcs = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if bit.band(c, 1) == 1 then c = bit.bxor(bit.rshift(c, 1), 0xEDB88320)
    else c = bit.rshift(c, 1) end
  end
  crcs[i] = c
end
local B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function checksum(text)
  local c = 0xFFFFFFFF
  for i = 1, #text do
    c = bit.bxor(bit.rshift(c, 8), crcs[bit.band(bit.bxor(c, text:byte(i)), 0xFF)])
  end
  c = bit.bxor(c, 0xFFFFFFFF)
  if c < 0 then c = c + 4294967296 end
  local out = {}
  for i = 6, 1, -1 do
    local d = c % 62
    out[i] = B62:sub(d + 1, d + 1)
    c = math.floor(c / 62)
  end
  return table.concat(out)
end
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
request = function()
  local t = {}
  for i = 1, 43 do
    local r = math.random(64)
    t[i] = B64:sub(r, r)
  end
  local token = "idp_at_" .. table.concat(t)
  return wrk.format(nil, nil, nil, "token=" .. token .. checksum(token))
end
"""


def lua(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string here


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def wrk(
    port: int,
    body: str,
    auth: str,
    path: str = "/oauth/introspect",
    *,
    request: str = "",
    seconds: float | None = None,
) -> dict:
    print(f"wrk {path} {body[:30]}...", file=sys.stderr, flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT % {"body": lua(body), "auth": lua(auth), "request": request}
        )
    out = subprocess.run(
        # --timeout: 16 queued password grants wait past wrk's 2 s default, and a
        # timed-out request is work done by idp that wrk does not count.
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(float(seconds or DURATION)))}s",
         "--timeout", "10s", "-s",
         script.name, f"http://127.0.0.1:{port}{path}"],
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


def fill_tokens(database: str, total: int) -> None:
    """Live OAuth tokens up to ``total`` rows, made by SQL (their secrets unknown)."""
    with psycopg.connect(database, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM oauth_tokens").fetchone()[0]
        client = conn.execute(
            "SELECT id FROM oauth_clients WHERE client_id = 'bench-script'"
        ).fetchone()[0]
        operator = conn.execute(
            "SELECT id FROM operators WHERE username = 'bench'"
        ).fetchone()[0]
        print(f"filling oauth_tokens to {total} rows", file=sys.stderr, flush=True)
        conn.execute(
            """
            INSERT INTO oauth_tokens (client_id, operator_id, family_id,
                access_token_digest, refresh_token_digest, scope, issued_at,
                access_expires_at, refresh_expires_at)
            SELECT %s, %s, md5('f' || g), encode(sha256(('a' || g)::bytea), 'hex'),
                encode(sha256(('r' || g)::bytea), 'hex'), 'public-api', now(),
                now() + interval '1 day', now() + interval '30 days'
            FROM generate_series(%s::bigint, %s::bigint) AS g
            """,
            (client, operator, have + 1, total),
        )
        conn.execute("VACUUM ANALYZE oauth_tokens")


def check_random_tokens() -> int:
    """How many of the tokens RANDOM_TOKENS makes idp would take as well-formed.

    wrk sends a few to a throwaway server here, which keeps their bodies.
    """
    import http.server

    from idp.security import SecretKind
    from idp.security import is_well_formed

    bodies: list[str] = []

    class Keep(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            bodies.append(self.rfile.read(length).decode())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Keep)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wrk(server.server_address[1], "", "", request=RANDOM_TOKENS, seconds=1)
    finally:
        server.shutdown()
    tokens = {body.removeprefix("token=") for body in bodies}
    good = sum(is_well_formed(t, SecretKind.ACCESS_TOKEN) for t in tokens)
    assert tokens and good == len(tokens), f"{good} of {len(tokens)} well-formed"
    return len(tokens)


def refresh_load(port: int, script_auth: str, password: str) -> dict:
    """Refresh with rotation by several clients at once, each on its own login."""
    import requests

    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + float(DURATION) + 5

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = script_auth
        token = session.post(f"http://127.0.0.1:{port}/oauth/token", data={
            "grant_type": "password", "username": "bench", "password": password,
        }, timeout=30).json()["refresh_token"]  # fmt: skip
        mine = []
        start = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - start < float(
            DURATION
        ):
            began = time.perf_counter()
            answer = session.post(
                f"http://127.0.0.1:{port}/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": token},
                timeout=30,
            )
            mine.append(time.perf_counter() - began)
            token = answer.json()["refresh_token"]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(int(CONNECTIONS) // 2)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": 0,
    }


def refresh_statements(env: dict, script_auth: str, password: str) -> list[str]:
    """The SQL one refresh with rotation takes, in a process that refreshed before."""
    from sqlalchemy import event

    from idp import create_app
    from idp.extensions import db

    app = create_app(
        {"DATABASE_URL": env["IDP_DATABASE_URL"], "REDIS_URL": REDIS,
         "REDIS_KEY_PREFIX": env["IDP_REDIS_KEY_PREFIX"],
         "SECRET_KEY": env["IDP_SECRET_KEY"], "ISSUER": "http://127.0.0.1"},
    )  # fmt: skip
    http = app.test_client()
    headers = {"Authorization": script_auth}
    token = http.post("/oauth/token", headers=headers, data={
        "grant_type": "password", "username": "bench", "password": password,
    }).json["refresh_token"]  # fmt: skip
    token = http.post("/oauth/token", headers=headers, data={
        "grant_type": "refresh_token", "refresh_token": token,
    }).json["refresh_token"]  # fmt: skip
    taken: list[str] = []
    with app.app_context():
        engine = db.engine

    def statement(conn, cursor, text, *args) -> None:
        taken.append(" ".join(text.split())[:110])

    def commit(conn) -> None:
        taken.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    answer = http.post("/oauth/token", headers=headers, data={
        "grant_type": "refresh_token", "refresh_token": token,
    })  # fmt: skip
    event.remove(engine, "before_cursor_execute", statement)
    event.remove(engine, "commit", commit)
    assert answer.status_code == 200, answer.json
    return taken


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
    if shutil.which("wrk") is None:
        sys.exit("bench-http needs wrk: apt-get install wrk")
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
        database = f"{POSTGRES.rsplit('/', 1)[0]}/{name}"
        fill_tokens(database, 1_000)
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
        sampled = check_random_tokens()
        results = {}
        results["floor"] = wrk(floor_port, f"token={token}", caller_auth)
        rss_before = rss_kib(server)
        counted_before = introspections(idp_port)
        results["valid"] = wrk(idp_port, f"token={token}", caller_auth)
        results["garbage"] = wrk(idp_port, "token=not-a-token", caller_auth)
        results["unknown"] = wrk(idp_port, f"token={unknown}", caller_auth)
        counted_after = introspections(idp_port)
        results["unknown, new each (10^3)"] = wrk(
            idp_port, "token=", caller_auth, request=RANDOM_TOKENS
        )

        from idp import create_app
        from idp.accounts import operators
        from idp.credentials import services as credentials

        # Another process, as far as idp's workers know: its own app and memory.
        admin = create_app(
            {"DATABASE_URL": env["IDP_DATABASE_URL"], "REDIS_URL": REDIS,
             "REDIS_KEY_PREFIX": env["IDP_REDIS_KEY_PREFIX"]}, serving=False,
        )  # fmt: skip
        with admin.app_context():
            operator = operators.get_operator("bench")
            pats = [
                credentials.issue_personal_access_token(None, operator, name=f"r{n}")[
                    0
                ].id
                for n in range(int(DURATION) * 10 + 20)
            ]
        stop = threading.Event()

        def revoke() -> None:
            with admin.app_context():
                operator = operators.get_operator("bench")
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
        results["refresh with rotation"] = refresh_load(idp_port, script_auth, password)
        statements = refresh_statements(env, script_auth, password)
        fill_tokens(database, LIVE_TOKENS)
        results[f"valid ({LIVE_TOKENS:.0e} live)"] = wrk(
            idp_port, f"token={token}", caller_auth
        )
        results[f"unknown, new each ({LIVE_TOKENS:.0e})"] = wrk(
            idp_port, "token=", caller_auth, request=RANDOM_TOKENS
        )
        rss_runs = rss_run(server, idp_port, caller_auth)
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
    small, large = (
        results["unknown, new each (10^3)"],
        results[f"unknown, new each ({LIVE_TOKENS:.0e})"],
    )
    print(
        f"p50 of a new unknown token with {LIVE_TOKENS:.0e} live tokens / with 10^3: "
        f"{large['p50'] / small['p50']:.2f} (wrk's generator checked: {sampled} "
        "sampled tokens all well-formed)"
    )
    (first, rss_first), (total, rss_total) = rss_runs
    print(
        f"largest worker RSS after ~{first} introspections of new unknown tokens: "
        f"{rss_first} KiB; after ~{total}: {rss_total} KiB "
        f"({rss_total / rss_first:.2f}x)"
    )
    transactions = statements.count("COMMIT")
    print(f"one refresh with rotation on PostgreSQL: {transactions} transaction(s)")
    for line in statements:
        print(f"  {line}")


def rss_run(server, port: int, caller_auth: str) -> list[tuple[int, int]]:
    """Largest worker RSS after about 10^4, then RSS_INTROSPECTIONS, new unknown tokens."""
    done, marks, rate = 0, [], 1000.0
    for target in (10_000, RSS_INTROSPECTIONS):
        while done < target:
            seconds = min(60.0, max(2.0, (target - done) / rate))
            result = wrk(
                port, "token=", caller_auth, request=RANDOM_TOKENS, seconds=seconds
            )
            rate = max(result["rps"], 1.0)
            done += int(result["rps"] * seconds)
        marks.append((done, rss_kib(server)))
    return marks


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
