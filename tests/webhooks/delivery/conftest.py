"""Fixtures for delivery: real receivers on loopback, endpoints, and running workers."""

from __future__ import annotations

import base64
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from idp.events import crypto
from idp.events.models import WebhookAttempt
from idp.events.models import WebhookDelivery
from idp.events.models import WebhookEndpoint
from idp.extensions import db
from idp.webhooks.worker import Worker
from tests.webhooks.delivery.receiver import receiver  # noqa: F401

REPO = Path(__file__).parents[3]
BIN = Path(sys.executable).parent
LOOPBACK = ["127.0.0.1/32"]
#: Settings that make retries quick enough for a test: `pytest.mark.config(**QUICK)`.
QUICK = {
    "WEBHOOK_ALLOWED_NETWORKS": LOOPBACK,
    "WEBHOOK_RETRY_SCHEDULE": "0.2s,0.2s,0.2s,0.2s",
    "WEBHOOK_TIMEOUT": 2,
    "WEBHOOK_LEASE_SECONDS": 7,
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def make_endpoint(
    app: Flask,
    url: str,
    *,
    events: list[str] | None = None,
    basic: tuple[str, str] | None = None,
    headers: list[tuple[str, str, bool]] = (),
) -> tuple[int, str]:
    """An endpoint row as the webhooks API stores it; (its id, its clear secret)."""
    secret = new_secret()
    with app.app_context():
        endpoint = WebhookEndpoint(
            url=url,
            events=events or ["*"],
            basic_username=basic[0] if basic else None,
            basic_password_encrypted=crypto.encrypt(basic[1]) if basic else None,
            headers=[
                {
                    "name": name,
                    "masked": masked,
                    "value_encrypted": crypto.encrypt(value),
                }
                for name, value, masked in headers
            ],
            secret_encrypted=crypto.encrypt(secret),
        )
        db.session.add(endpoint)
        db.session.commit()
        return endpoint.id, secret


def deliveries(app: Flask) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        result = rows.all()
        db.session.expunge_all()
        return result


def attempts(app: Flask, delivery_id: int) -> list[WebhookAttempt]:
    with app.app_context():
        rows = db.session.scalars(
            select(WebhookAttempt)
            .filter_by(delivery_id=delivery_id)
            .order_by(WebhookAttempt.id)
        ).all()
        db.session.expunge_all()
        return rows


def wait_until(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout} s")


class WorkerThread:
    """A worker inside the test process, stopped at teardown."""

    def __init__(self, app: Flask) -> None:
        self.worker = Worker(app)
        self.thread = threading.Thread(target=self._run, args=(app,), daemon=True)
        self.thread.start()

    def _run(self, app: Flask) -> None:
        with app.app_context():
            self.worker.run()

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def worker(app: Flask) -> Iterator[WorkerThread]:
    running = WorkerThread(app)
    yield running
    running.stop()


class WorkerProcess:
    """`idp webhooks work` as a real process on the test's database."""

    def __init__(self, app: Flask, log_path: Path, **settings: str) -> None:
        import os

        env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        config = app.config
        env.update(
            IDP_DATABASE_URL=config["DATABASE_URL"],
            IDP_SECRET_KEY=config["SECRET_KEY"],
            IDP_WEBHOOK_ALLOWED_NETWORKS=",".join(LOOPBACK),
            IDP_WEBHOOK_RETRY_SCHEDULE=str(config["WEBHOOK_RETRY_SCHEDULE"]),
            IDP_WEBHOOK_TIMEOUT=str(config["WEBHOOK_TIMEOUT"]),
            IDP_WEBHOOK_LEASE_SECONDS=str(config["WEBHOOK_LEASE_SECONDS"]),
            **settings,
        )
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "idp"), "webhooks", "work"],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_started(self, timeout: float = 20.0) -> None:
        wait_until(lambda: "webhook worker started" in self.output(), timeout, "start")

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def worker_process(app: Flask, tmp_path: Path):
    started: list[WorkerProcess] = []

    def start(**settings: str) -> WorkerProcess:
        process = WorkerProcess(
            app, tmp_path / f"worker-{len(started)}.log", **settings
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for chosen host names; every other name goes to the real resolver."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr("idp.webhooks.ssrf.socket.getaddrinfo", getaddrinfo)
    return answers
