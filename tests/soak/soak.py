"""`make soak`: idp under a mixed load while Redis and PostgreSQL fail, and a verdict.

idp runs under gunicorn (2 workers) on a PostgreSQL database and a redis-server
of the soak's own. Load threads introspect valid tokens, get tokens with the
password grant, refresh them, and revoke tokens and then introspect them, while
faults follow one another (see FAULTS). Printed: 5xx and connection failures
inside and outside each fault's window, stale answers (active for a token whose
revocation was already answered 200), seconds to recover after each fault, and
the workers' memory. Exit status 1 on any stale answer, or any 5xx or failed
connection outside a window (a fault's duration plus GRACE seconds).

Settings: SOAK_SECONDS (default 150: faults are spread over it), SOAK_THREADS (4).
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import psycopg
import requests

from tests.e2e.processes import BIN
from tests.e2e.processes import clean_environment
from tests.e2e.processes import run_command
from tests.e2e.processes import start_idp
from tests.soak.faults import CUT
from tests.soak.faults import HANG
from tests.soak.faults import PASS
from tests.soak.faults import Proxy
from tests.soak.faults import RedisServer
from tests.soak.faults import rss_mib
from tests.soak.faults import worker_pids

#: After a fault ends, errors are still the fault's for this many seconds.
GRACE = 3.0
POSTGRES = ("127.0.0.1", 5432)
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Window:
    """One fault: its name and when it started and ended (monotonic seconds)."""

    name: str
    start: float
    end: float = float("inf")
    recovered_after: float | None = None

    def covers(self, moment: float) -> bool:
        return self.start <= moment <= self.end + GRACE


@dataclass
class Answer:
    at: float
    action: str
    status: int  # 0: no HTTP answer (connection refused, reset or timed out)


@dataclass
class Record:
    """Everything the load saw, shared by its threads."""

    answers: list[Answer] = field(default_factory=list)
    stale: list[tuple[float, str]] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, status: int) -> None:
        with self.lock:
            self.answers.append(Answer(time.monotonic(), action, status))


def verdict(record: Record) -> tuple[list[str], bool]:
    """The report's lines, and whether the soak passed.

    A failure is any stale answer, or any 5xx or missing answer outside every
    fault's window.
    """
    lines = []
    failures = [a for a in record.answers if a.status == 0 or a.status >= 500]
    outside = [a for a in failures if not any(w.covers(a.at) for w in record.windows)]
    lines.append(f"requests: {len(record.answers)}")
    for window in record.windows:
        inside = [a for a in failures if window.covers(a.at)]
        by_action: dict[str, int] = {}
        for answer in inside:
            by_action[answer.action] = by_action.get(answer.action, 0) + 1
        recovered = (
            f"{window.recovered_after:.1f} s"
            if window.recovered_after is not None
            else "not seen"
        )
        lines.append(
            f"fault {window.name:<40} {window.end - window.start:5.1f} s  "
            f"5xx {sum(a.status >= 500 for a in inside):4}  "
            f"no answer {sum(a.status == 0 for a in inside):4}  "
            f"recovered after {recovered}"
        )
        if by_action:
            lines.append(
                "    " + ", ".join(f"{k}: {v}" for k, v in sorted(by_action.items()))
            )
    lines.append(
        f"outside the windows: 5xx {sum(a.status >= 500 for a in outside)}, "
        f"no answer {sum(a.status == 0 for a in outside)}"
    )
    for answer in outside[:10]:
        lines.append(f"  at {answer.at:.1f}: {answer.action} -> {answer.status}")
    lines.append(f"stale answers after a revocation: {len(record.stale)}")
    for moment, what in record.stale[:10]:
        lines.append(f"  {what}, {_after_fault(record, moment)}")
    return lines, not outside and not record.stale


def _after_fault(record: Record, moment: float) -> str:
    """Which fault came last before ``moment``, and how long after its end."""
    before = [w for w in record.windows if w.start <= moment]
    if not before:
        return "before any fault"
    last = before[-1]
    if moment <= last.end:
        return f"during {last.name}"
    return f"{moment - last.end:.1f} s after {last.name}"


class Load:
    """Threads doing what scripts and resource servers do, until stopped."""

    def __init__(self, base: str, clients: dict, operator: tuple[str, str]) -> None:
        self.base = base
        self.script = clients["script"]
        self.resource = clients["resource"]
        self.operator = operator
        self.record = Record()
        self.tokens: list[str] = []
        self.refresh: list[str] = []
        #: Revoked tokens, with the moment their revocation was answered 200.
        self.revoked: list[tuple[str, float]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def post(
        self, session, action: str, path: str, auth, data
    ) -> requests.Response | None:
        try:
            response = session.post(self.base + path, auth=auth, data=data, timeout=10)
        except requests.RequestException:
            self.record.add(action, 0)
            return None
        self.record.add(action, response.status_code)
        return response

    def password_grant(self, session) -> None:
        username, password = self.operator
        response = self.post(
            session,
            "password grant",
            "/oauth/token",
            self.script,
            {
                "grant_type": "password",
                "username": username,
                "password": password,
                "scope": "public-api",
            },
        )
        if response is not None and response.status_code == 200:
            body = response.json()
            with self._lock:
                self.tokens.append(body["access_token"])
                self.refresh.append(body["refresh_token"])

    def refresh_grant(self, session) -> None:
        with self._lock:
            if not self.refresh:
                return
            token = self.refresh.pop(random.randrange(len(self.refresh)))
        response = self.post(
            session,
            "refresh grant",
            "/oauth/token",
            self.script,
            {"grant_type": "refresh_token", "refresh_token": token},
        )
        if response is not None and response.status_code == 200:
            body = response.json()
            with self._lock:
                self.tokens.append(body["access_token"])
                self.refresh.append(body["refresh_token"])

    def introspect(self, session, token: str, action: str) -> bool | None:
        response = self.post(
            session, action, "/oauth/introspect", self.resource, {"token": token}
        )
        if response is None or response.status_code != 200:
            return None
        return bool(response.json().get("active"))

    def revoke_then_check(self, session) -> None:
        with self._lock:
            if len(self.tokens) < 4:
                return
            token = self.tokens.pop(random.randrange(len(self.tokens)))
        response = self.post(
            session, "revoke", "/oauth/revoke", self.script, {"token": token}
        )
        if response is None or response.status_code != 200:
            with self._lock:
                self.tokens.append(token)  # not known revoked; keep using it
            return
        revoked_at = time.monotonic()
        with self._lock:
            self.revoked.append((token, revoked_at))
        self.check_revoked(session, token, revoked_at)

    def check_revoked(self, session, token: str, revoked_at: float) -> None:
        if self.introspect(session, token, "introspect revoked"):
            with self.record.lock:
                self.record.stale.append(
                    (
                        time.monotonic(),
                        f"active {time.monotonic() - revoked_at:.1f} s after its revocation",
                    )
                )

    def run(self) -> None:
        session = requests.Session()
        actions: list[tuple[float, Callable]] = [
            (0.70, self.introspect_valid),
            (0.08, self.password_grant),
            (0.07, self.refresh_grant),
            (0.07, self.revoke_then_check),
            (0.08, self.recheck_an_old_revocation),
        ]
        weights = [w for w, _ in actions]
        while not self.stopping.is_set():
            random.choices([a for _, a in actions], weights)[0](session)

    def introspect_valid(self, session) -> None:
        with self._lock:
            token = random.choice(self.tokens) if self.tokens else None
        if token is None:
            self.password_grant(session)
            return
        self.introspect(session, token, "introspect")

    def recheck_an_old_revocation(self, session) -> None:
        """A revocation must stay seen, whatever Redis forgot or restored."""
        with self._lock:
            if not self.revoked:
                return
            token, revoked_at = random.choice(self.revoked)
        self.check_revoked(session, token, revoked_at)

    def recovered(self, since: float, timeout: float = 30.0) -> float | None:
        """Seconds after ``since`` until a valid token is answered active again."""
        session = requests.Session()
        deadline = since + timeout
        while time.monotonic() < deadline:
            with self._lock:
                token = self.tokens[-1] if self.tokens else None
            if token and self.introspect(session, token, "recovery probe"):
                return time.monotonic() - since
            time.sleep(0.1)
        return None


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", 150))
    threads = int(os.environ.get("SOAK_THREADS", 4))
    name = f"idp_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    work = Path(tempfile.mkdtemp(prefix="idp-soak-"))
    proxy = Proxy(POSTGRES)
    redis = RedisServer(work)
    redis.start()
    idp = None
    try:
        env = clean_environment(
            IDP_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}",
            IDP_REDIS_URL=redis.url,
            IDP_SECRET_KEY=secrets.token_urlsafe(32),
            IDP_DATABASE_TIMEOUT="2",
        )
        idp_cli = str(BIN / "idp")
        run_command([idp_cli, "init", "--json"], env)
        run_command([idp_cli, "profile", "create", "staff", "--json"], env)
        password = "soak-" + secrets.token_urlsafe(16)
        run_command(
            [idp_cli, "operator", "create", "soak", "--profile", "staff",
             "--password-stdin", "--rate-limit", "1000000/minute", "--json"],
            env,
            stdin=password + "\n",
        )  # fmt: skip
        clients = {}
        for client_id, flags in (("script", []), ("resource", ["--introspect"])):
            created = run_command(
                [idp_cli, "client", "create", client_id, *flags, "--json"], env
            )
            clients[client_id] = (client_id, created["client_secret"])
        idp = start_idp(env, work)
        load = Load(idp.url, clients, ("soak", password))
        print(f"soak: {seconds:.0f} s, {threads} threads, idp on {idp.url}", flush=True)
        runners = [
            threading.Thread(target=load.run, daemon=True) for _ in range(threads)
        ]
        for runner in runners:
            runner.start()
        memory = run_faults(load, redis, proxy, idp.process.pid, seconds)
        load.stopping.set()
        for runner in runners:
            runner.join(15)
        lines, passed = verdict(load.record)
        lines.append("worker RSS (MiB): " + "; ".join(memory))
        print("\n".join(lines))
        print("soak: PASSED" if passed else "soak: FAILED")
        return 0 if passed else 1
    finally:
        if idp is not None:
            idp.stop()
        redis.stop()
        proxy.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_faults(
    load: Load, redis: RedisServer, proxy: Proxy, master: int, seconds: float
) -> list[str]:
    """Each fault in turn, evenly spread over ``seconds``; the workers' RSS trend."""
    older = None
    memory: dict[int, list[float]] = {}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(2.0):
            for pid in worker_pids(master):
                if (rss := rss_mib(pid)) is not None:
                    memory.setdefault(pid, []).append(rss)

    threading.Thread(target=sample, daemon=True).start()

    def redis_killed():
        redis.kill()
        time.sleep(3)
        redis.start()

    def redis_hung():
        redis.pause()
        time.sleep(5)
        redis.resume()

    def redis_restored_from_older_snapshot():
        redis.kill(keep=older)
        redis.start()

    def postgres_cut():
        proxy.set(CUT)
        time.sleep(5)
        proxy.set(PASS)

    def postgres_hung():
        proxy.set(HANG)
        time.sleep(5)
        proxy.set(PASS)

    def worker_killed():
        pids = worker_pids(master)
        if pids:
            os.kill(pids[0], 9)

    faults = [
        redis_killed,
        redis_hung,
        redis_restored_from_older_snapshot,
        postgres_cut,
        postgres_hung,
        worker_killed,
    ]
    gap = max(3.0, (seconds - 20) / (len(faults) + 1))
    time.sleep(min(10.0, gap))
    older = redis.snapshot()  # before most tokens and revocations exist
    for fault in faults:
        time.sleep(gap)
        window = Window(fault.__name__.replace("_", " "), time.monotonic())
        load.record.windows.append(window)
        fault()
        window.end = time.monotonic()
        window.recovered_after = load.recovered(window.end)
    time.sleep(min(10.0, gap))
    sampling.set()
    return [
        f"pid {pid}: {samples[0]:.0f} -> {samples[-1]:.0f} (max {max(samples):.0f})"
        for pid, samples in memory.items()
    ]


if __name__ == "__main__":
    sys.exit(main())
