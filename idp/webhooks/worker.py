"""The delivery worker, `idp webhooks work`: a long-running process beside the server.

It sends due deliveries until none is due, then waits: on PostgreSQL for a
``NOTIFY idp_webhooks`` (sent by the transaction that emitted an event) or the
next retry, on SQLite for a short poll. Once a minute it also deletes
deliveries past ``IDP_WEBHOOK_RETENTION`` and emits ``credential.expiring``.
SIGTERM or SIGINT lets the delivery in hand finish, then stops. Any number of
workers may run on PostgreSQL; on SQLite they take turns on the write lock.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import click
import psycopg
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from idp import logs
from idp import metrics
from idp.audit.log import process_acts_as
from idp.events import crypto
from idp.extensions import db
from idp.purge import purge
from idp.webhooks import delivery
from idp.webhooks import housekeeping
from idp.webhooks import leases

log = logging.getLogger("idp.webhooks")

CHANNEL = "idp_webhooks"
#: Longest idle wait: SQLite has no NOTIFY, so it polls often; PostgreSQL is woken.
POLL_SECONDS = {"sqlite": 0.2, "postgresql": 5.0}
HOUSEKEEPING_SECONDS = 60.0
#: Dead tokens and old change-log rows go this often (idp.purge; `idp purge` too).
PURGE_SECONDS = 3600.0
#: Deliveries sent at once: one slow receiver does not hold up the others, and
#: database round trips overlap.
SENDERS = 4
CLAIM_SIZE = 2 * SENDERS
#: After a database error, wait this long before trying again.
BACKOFF_SECONDS = 2.0


class Worker:
    """Delivers until stopped; one per process, inside an app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._listener: psycopg.Connection | None = None
        self._housekept = float("-inf")
        self._purged = float("-inf")
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="webhook-sender")

    def run(self) -> None:
        dialect = db.engine.dialect.name
        log.info("webhook worker started (%s)", dialect)
        while not self.stopping.is_set():
            try:
                if time.monotonic() - self._housekept >= HOUSEKEEPING_SECONDS:
                    housekeeping.run()
                    self._housekept = time.monotonic()
                if time.monotonic() - self._purged >= PURGE_SECONDS:
                    counts = purge(self.app.config["PURGE_RETENTION_SECONDS"])
                    self._purged = time.monotonic()
                    if any(counts.values()):
                        log.info("purged %s", counts)
                if dialect == "postgresql":
                    self._listen_quietly()
                if self.run_once():
                    continue
                wait = leases.seconds_until_due()
            except SQLAlchemyError as error:
                db.session.rollback()
                metrics.DATABASE_ERRORS.inc()
                log.warning(
                    "webhook worker: database unavailable (%s)", type(error).__name__
                )
                wait = BACKOFF_SECONDS
            poll = POLL_SECONDS.get(dialect, 1.0)
            self._wait(poll if wait is None else min(wait, poll), dialect)
        self._senders.shutdown()
        self._close_listener()
        log.info("webhook worker stopped")

    def run_once(self) -> int:
        """Send every delivery one claim returns, SENDERS at a time; how many were claimed."""
        claims = leases.claim(limit=CLAIM_SIZE)
        if claims:
            list(self._senders.map(self._deliver, claims))
        return len(claims)

    def _deliver(self, claimed: leases.Claim) -> None:
        if self.stopping.is_set():
            return  # its lease lapses; this or another worker sends it then
        with self.app.app_context():
            try:
                delivery.deliver(claimed)
            except SQLAlchemyError as error:
                db.session.rollback()
                metrics.DATABASE_ERRORS.inc()
                log.warning(
                    "webhook worker: delivery %s not recorded (%s)",
                    claimed.delivery_id,
                    type(error).__name__,
                )

    def stop(self, *_args: object) -> None:
        self.stopping.set()

    def _wait(self, seconds: float, dialect: str) -> None:
        if seconds <= 0:
            return
        if dialect != "postgresql":
            self.stopping.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        try:
            listener = self._listen()
            # Short slices, so that a signal stops the wait promptly.
            while (
                not self.stopping.is_set() and (left := deadline - time.monotonic()) > 0
            ):
                if any(
                    True
                    for _ in listener.notifies(timeout=min(left, 0.5), stop_after=1)
                ):
                    # Drain what else arrived, so one commit wakes the loop once.
                    for _ in listener.notifies(timeout=0):
                        pass
                    return
        except psycopg.Error as error:
            log.warning(
                "webhook worker: LISTEN failed (%s); polling", type(error).__name__
            )
            self._close_listener()
            self.stopping.wait(max(0.0, deadline - time.monotonic()))

    def _listen_quietly(self) -> None:
        """LISTEN before looking at the queue: a commit between the look and the
        wait then still wakes the wait, instead of being missed until the next poll."""
        try:
            self._listen()
        except psycopg.Error:
            self._close_listener()  # the wait says so, and polls

    def _listen(self) -> psycopg.Connection:
        if self._listener is None or self._listener.closed:
            url = db.engine.url.set(drivername="postgresql")
            self._listener = psycopg.connect(
                url.render_as_string(hide_password=False),
                autocommit=True,
                connect_timeout=max(1, int(self.app.config["DATABASE_TIMEOUT"])),
            )
            self._listener.execute(f"LISTEN {CHANNEL}")
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


webhooks_group = click.Group("webhooks", help="Deliver webhooks.")


@webhooks_group.command("work")
@with_appcontext
def work_command() -> None:
    """Deliver webhooks until SIGTERM or Ctrl-C; run one or more beside the server."""
    crypto.encrypt("")  # no key to read the endpoints' secrets: one line, exit 2
    logs.configure(current_app.config["LOG_FORMAT"], level=logging.INFO)
    process_acts_as("idp", "webhook worker", via="worker")
    worker = Worker(current_app._get_current_object())
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run()
