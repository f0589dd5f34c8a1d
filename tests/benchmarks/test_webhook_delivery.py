"""What webhooks cost: the statements and time an event adds to the request that
causes it, and how fast workers deliver to a local receiver.

Run with `make bench-webhooks` (or `make bench`). Prints figures; asserts only
that every event arrived once. The machine may be shared: compare the figures of
one run with each other (the floor is measured in the same run), not across runs.
"""

from __future__ import annotations

import collections
import json
import re
import statistics
import time

import pytest
from sqlalchemy import event

from idp.events.outbox import emit
from idp.extensions import db
from tests.admin.conftest import AdminActions
from tests.admin.conftest import bearer
from tests.webhooks.delivery.conftest import LOOPBACK
from tests.webhooks.delivery.conftest import WorkerProcess
from tests.webhooks.delivery.conftest import make_endpoint
from tests.webhooks.delivery.receiver import Receiver

REQUESTS = 200
BURST = 600
PACED = 200
PACE_SECONDS = 0.02
MY_TOKENS = "/api/v1/me/personal-access-tokens"
SETTINGS = {"RATE_LIMIT": "1000000/minute", "WEBHOOK_ALLOWED_NETWORKS": LOOPBACK}


def _backend(database_url: str) -> str:
    return database_url.split(":", 1)[0].split("+", 1)[0]


class StatementLog:
    """What each statement the app's engine runs while recording does, and to which table."""

    def __init__(self, engine) -> None:
        self.statements: list[str] = []
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            verb = statement.split(None, 1)[0].upper()
            table = re.search(r"(?:INTO|FROM|UPDATE)\s+(\w+)", statement)
            self.statements.append(f"{verb} {table[1] if table else ''}".strip())


def _one_request(client, headers, log: StatementLog, number: int) -> tuple[float, list]:
    log.statements = []
    log.recording = True
    start = time.perf_counter()
    response = client.post(MY_TOKENS, json={"name": f"t{number}"}, headers=headers)
    elapsed = time.perf_counter() - start
    log.recording = False
    assert response.status_code == 201, response.json
    return elapsed, log.statements


@pytest.mark.benchmark
@pytest.mark.config(**SETTINGS)
def test_cost_of_an_event_in_the_request_that_causes_it(
    app, client, oauth_actions, database_url, monkeypatch
):
    """POST /api/v1/me/personal-access-tokens emits credential.created."""
    actions = AdminActions(oauth_actions)
    actions.operator("owner", is_owner=True)
    headers = bearer(actions.oauth.pat("owner")[1])
    make_endpoint(app, "http://127.0.0.1:9/hooks", events=["credential.created"])
    with app.app_context():
        log = StatementLog(db.engine)
    client.post(MY_TOKENS, json={"name": "warm-up"}, headers=headers)

    from idp.credentials import services

    emitting = hasattr(services, "emit")
    real_emit = getattr(services, "emit", None)
    floor, with_event = [], []
    # Alternate the two, so that a change in the machine's load hits both alike.
    for number in range(REQUESTS):
        monkeypatch.setattr(services, "emit", lambda *a, **k: None, raising=False)
        elapsed, floor_statements = _one_request(client, headers, log, 2 * number)
        floor.append(elapsed)
        if real_emit is not None:
            monkeypatch.setattr(services, "emit", real_emit)
        elapsed, event_statements = _one_request(client, headers, log, 2 * number + 1)
        with_event.append(elapsed)
    added = collections.Counter(event_statements) - collections.Counter(
        floor_statements
    )
    floor_ms = statistics.median(floor) * 1000
    event_ms = statistics.median(with_event) * 1000
    print(
        f"\nevent cost ({_backend(database_url)}, one subscribed endpoint, "
        f"{REQUESTS} requests each, alternating):\n"
        f"  without the event: {len(floor_statements)} statements, "
        f"median {floor_ms:.2f} ms\n"
        f"  with the event:    {len(event_statements)} statements, "
        f"median {event_ms:.2f} ms (+{event_ms - floor_ms:.2f} ms, "
        f"x{event_ms / floor_ms:.2f})\n"
        f"  the event adds: "
        + ", ".join(f"{name} x{count}" for name, count in sorted(added.items()))
        + ("" if emitting else "  (the service emits nothing yet)")
    )


def _start_workers(app, count: int, tmp_path) -> list[WorkerProcess]:
    workers = [
        WorkerProcess(app, tmp_path / f"bench-worker-{n}.log") for n in range(count)
    ]
    for worker in workers:
        worker.wait_started()
    return workers


def _commit_events(app, numbers, *, pace: float = 0.0) -> dict[int, float]:
    """Emit one event per number, each in its own transaction; commit times."""
    committed = {}
    with app.app_context():
        for number in numbers:
            emit("client.deleted", {"client_id": f"bench-{number}"})
            db.session.commit()
            committed[number] = time.time()
            if pace:
                time.sleep(pace)
    return committed


def _number(request) -> int:
    return int(json.loads(request.body)["data"]["client_id"].split("-")[1])


@pytest.mark.benchmark
@pytest.mark.config(**SETTINGS)
@pytest.mark.parametrize("workers", [1, 2])
def test_deliveries_per_second_and_commit_to_receipt_lag(
    app, database_url, tmp_path, workers
):
    backend = _backend(database_url)
    if backend == "sqlite" and workers > 1:
        pytest.skip("SQLite runs one worker")
    receiver = Receiver()
    running = []
    try:
        make_endpoint(app, receiver.url)
        running = _start_workers(app, workers, tmp_path)
        # Lag: events committed one at a time at a steady pace, workers idle between.
        committed = _commit_events(app, range(PACED), pace=PACE_SECONDS)
        arrived = receiver.wait_for(PACED, timeout=120)
        lags = sorted((r.at - committed[_number(r)]) * 1000 for r in arrived)
        # Throughput: a burst committed together, then drained.
        start = time.time()
        with app.app_context():
            for number in range(PACED, PACED + BURST):
                emit("client.deleted", {"client_id": f"bench-{number}"})
            db.session.commit()
        burst = receiver.wait_for(PACED + BURST, timeout=600)[PACED:]
        elapsed = max(r.at for r in burst) - start
        ids = collections.Counter(r.headers["webhook-id"] for r in receiver.requests)
        assert len(ids) == PACED + BURST and set(ids.values()) == {1}
    finally:
        for worker in running:
            worker.stop()
        receiver.close()
    print(
        f"\ndelivery ({backend}, {workers} worker{'s' if workers > 1 else ''}, "
        f"local receiver):\n"
        f"  commit-to-receipt lag over {PACED} events {PACE_SECONDS * 1000:.0f} ms "
        f"apart: median {statistics.median(lags):.1f} ms, "
        f"p95 {lags[int(len(lags) * 0.95)]:.1f} ms, max {lags[-1]:.1f} ms\n"
        f"  throughput: {BURST} events committed at once delivered in {elapsed:.2f} s "
        f"= {BURST / elapsed:.0f} deliveries/s"
    )
