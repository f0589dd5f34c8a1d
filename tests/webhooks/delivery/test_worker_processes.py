"""`idp webhooks work` as real processes: killed, stopped, and two at once."""

from __future__ import annotations

import collections
import os
import signal
import time

import pytest

from idp.events.outbox import emit
from idp.extensions import db
from tests.webhooks.delivery.conftest import QUICK
from tests.webhooks.delivery.conftest import deliveries
from tests.webhooks.delivery.conftest import make_endpoint
from tests.webhooks.delivery.conftest import wait_until
from tests.webhooks.delivery.receiver import Answer

pytestmark = pytest.mark.config(**QUICK)


def emit_many(app, count: int) -> None:
    with app.app_context():
        for number in range(count):
            emit("client.deleted", {"client_id": f"c{number}"})
        db.session.commit()


def test_a_killed_workers_delivery_is_sent_again_after_its_lease(
    app, receiver, worker_process
):
    _, secret = make_endpoint(app, receiver.url, basic=("hooks", "basic-password-1"))
    receiver.answer(Answer(204, delay=1.5))  # held while the worker is killed
    first = worker_process()
    first.wait_started()
    emit_many(app, 1)
    [held] = receiver.wait_for(1)
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait()
    claimed_at = time.time()
    [delivery] = deliveries(app)
    assert delivery.status == "pending" and delivery.lease_until is not None
    replacement = worker_process()
    replacement.wait_started()
    second = receiver.wait_for(2, timeout=20)[1]
    assert second.headers["webhook-id"] == held.headers["webhook-id"]
    # Not before the lease (7 s) ran out.
    assert second.at - claimed_at > 4
    wait_until(lambda: deliveries(app)[0].status == "delivered", what="delivered")
    assert deliveries(app)[0].attempts == 1  # the killed attempt was never recorded
    for process in (first, replacement):
        assert secret[6:] not in process.output()
        assert "basic-password-1" not in process.output()


def test_sigterm_lets_the_delivery_in_hand_finish_then_stops(
    app, receiver, worker_process
):
    make_endpoint(app, receiver.url)
    receiver.answer(Answer(204, delay=1.0))
    process = worker_process()
    process.wait_started()
    emit_many(app, 1)
    receiver.wait_for(1)
    process.process.send_signal(signal.SIGTERM)
    assert process.process.wait(10) == 0
    assert "webhook worker stopped" in process.output()
    [delivery] = deliveries(app)
    assert delivery.status == "delivered" and delivery.attempts == 1


def test_two_workers_never_send_one_delivery_twice(
    app, database_url, receiver, worker_process
):
    """Several workers share the queue (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share the queue on PostgreSQL")
    make_endpoint(app, receiver.url)
    make_endpoint(app, receiver.url)
    workers = [worker_process(), worker_process()]
    for process in workers:
        process.wait_started()
    emit_many(app, 60)
    received = receiver.wait_for(120, timeout=60)
    time.sleep(0.5)
    counts = collections.Counter(r.headers["webhook-id"] for r in received)
    assert len(receiver.requests) == 120 and set(counts.values()) == {1}
    assert all(d.status == "delivered" and d.attempts == 1 for d in deliveries(app))
    senders = [p.output().count(" delivered to endpoint ") for p in workers]
    assert sum(senders) == 120 and all(senders), senders


def test_without_a_key_for_the_secrets_the_worker_does_not_start(app, tmp_path):
    import subprocess

    from tests.webhooks.delivery.conftest import BIN
    from tests.webhooks.delivery.conftest import REPO

    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["IDP_DATABASE_URL"] = app.config["DATABASE_URL"]
    result = subprocess.run(
        [str(BIN / "idp"), "webhooks", "work"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("idp: error: ") and result.stderr.count("\n") == 1
