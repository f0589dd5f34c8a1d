"""The worker counts each attempt's outcome for /metrics (idp_webhook_deliveries)."""

from __future__ import annotations

import pytest

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
