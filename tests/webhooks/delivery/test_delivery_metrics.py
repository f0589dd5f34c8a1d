"""The worker counts each attempt's outcome for /metrics (idp_webhook_deliveries)."""

from __future__ import annotations

import secrets

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.processes import BIN
from tests.e2e.processes import ServerProcess
from tests.e2e.processes import clean_environment
from tests.e2e.processes import free_port
from tests.test_metrics import samples
from tests.test_metrics import value
from tests.webhooks.delivery.conftest import QUICK
from tests.webhooks.delivery.conftest import deliveries
from tests.webhooks.delivery.conftest import make_endpoint
from tests.webhooks.delivery.conftest import wait_until
from tests.webhooks.delivery.test_worker import emit_committed

pytestmark = pytest.mark.config(**QUICK)
DELIVERIES = "idp_webhook_deliveries_total"


def test_a_retried_then_delivered_event_counts_both_attempts(
    app, client, receiver, worker
):
    make_endpoint(app, receiver.url)
    receiver.answer(500)
    before = samples(client)

    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].status == "delivered", what="delivered")

    after = samples(client)
    assert value(before, after, DELIVERIES, outcome="retrying") == 1
    assert value(before, after, DELIVERIES, outcome="delivered") == 1


def test_a_gone_receiver_fails_the_delivery_and_disables_its_endpoint(
    app, client, receiver, worker
):
    make_endpoint(app, receiver.url)
    receiver.answer(410)
    before = samples(client)

    emit_committed(app)
    wait_until(lambda: deliveries(app)[0].status == "failed", what="failed")

    after = samples(client)
    assert value(before, after, DELIVERIES, outcome="failed") == 1
    assert value(before, after, "idp_webhook_endpoints_disabled_total") == 1


def test_a_worker_sharing_the_servers_metrics_directory_counts_into_its_metrics(
    app, receiver, worker_process, tmp_path
):
    """`idp webhooks work` is a process of its own: with the server's
    PROMETHEUS_MULTIPROC_DIR its counts reach /metrics, even when it started
    first (the server clears only the samples of processes that are gone)."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    make_endpoint(app, receiver.url)
    worker = worker_process(PROMETHEUS_MULTIPROC_DIR=str(directory))
    worker.wait_started()
    port = free_port()
    server = ServerProcess(
        "idp",
        [str(BIN / "idp"), "serve", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        clean_environment(
            IDP_DATABASE_URL=app.config["DATABASE_URL"],
            IDP_SECRET_KEY=secrets.token_urlsafe(32),
            PROMETHEUS_MULTIPROC_DIR=str(directory),
        ),
        port=port,
        log_path=tmp_path / "idp.log",
    )
    server.start("/healthz")
    try:
        emit_committed(app)
        wait_until(lambda: deliveries(app)[0].status == "delivered", what="delivered")
        text = requests.get(f"{server.url}/metrics", timeout=10).text
    finally:
        server.stop()
    delivered = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == DELIVERIES and sample.labels == {"outcome": "delivered"}
    ]
    assert delivered == [1]
