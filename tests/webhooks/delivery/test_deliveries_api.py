"""The delivery log, redelivery, test events and secret rotation over /api/v1 and the CLI."""

from __future__ import annotations

import json
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks import WebhookVerificationError

from idp.events.outbox import emit
from idp.extensions import db
from tests.admin.conftest import assert_problem
from tests.webhooks.delivery.conftest import QUICK
from tests.webhooks.delivery.conftest import wait_until
from tests.webhooks.delivery.receiver import Answer

pytestmark = pytest.mark.config(**QUICK)
WEBHOOKS = "/api/v1/webhooks"


def create(client, owner, url: str, events=("*",)) -> dict:
    response = client.post(
        WEBHOOKS, json={"url": url, "events": list(events)}, headers=owner
    )
    assert response.status_code == 201, response.json
    return response.json


def wait_for_status(client, owner, webhook_id: int, status: str) -> dict:
    def settled():
        listing = client.get(f"{WEBHOOKS}/{webhook_id}/deliveries", headers=owner).json
        return listing if listing and listing[0]["status"] == status else None

    return wait_until(settled, what=status)


def test_test_event_is_logged_with_every_attempt(client, owner, receiver, worker):
    webhook = create(client, owner, receiver.url)
    receiver.answer(Answer(500, body=b"x" * 3000))
    response = client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner)
    assert response.status_code == 202
    queued = response.json
    assert (queued["event_type"], queued["status"], queued["attempts"]) == (
        "webhook.test",
        "pending",
        0,
    )
    [listed] = wait_for_status(client, owner, webhook["id"], "delivered")
    assert listed["webhook_id"] == queued["webhook_id"]
    assert listed["attempts"] == 2 and listed["last_response_status"] == 204
    assert listed["next_attempt_at"] is None
    detail = client.get(
        f"{WEBHOOKS}/{webhook['id']}/deliveries/{queued['id']}", headers=owner
    ).json
    assert detail["data"] == {"endpoint_id": webhook["id"]}
    failed, delivered = detail["attempt_log"]
    assert failed["status_code"] == 500 and failed["response_body"] == "x" * 1024
    assert delivered["status_code"] == 204 and delivered["error"] is None
    assert set(failed) == {"at", "duration_ms", "status_code", "response_body", "error"}
    [request, _] = receiver.wait_for(2)
    payload = Webhook(webhook["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "webhook.test"


def test_test_event_goes_to_that_webhook_only(client, owner, receiver, worker):
    from tests.webhooks.delivery.receiver import Receiver

    other = Receiver()
    try:
        webhook = create(client, owner, receiver.url)
        create(client, owner, other.url)
        client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner)
        receiver.wait_for(1)
        time.sleep(0.5)
        assert other.requests == []
    finally:
        other.close()


def test_deliveries_are_paginated_newest_first(app, client, owner, receiver):
    webhook = create(client, owner, receiver.url)
    with app.app_context():
        for number in range(3):
            emit("client.deleted", {"client_id": f"c{number}"})
        db.session.commit()
    response = client.get(
        f"{WEBHOOKS}/{webhook['id']}/deliveries?page=1&page_size=2", headers=owner
    )
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    assert [d["id"] for d in response.json] == sorted(
        (d["id"] for d in response.json), reverse=True
    )
    assert len(response.json) == 2


def test_redeliver_sends_again_with_the_same_webhook_id(
    client, owner, receiver, worker
):
    webhook = create(client, owner, receiver.url)
    queued = client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner).json
    wait_for_status(client, owner, webhook["id"], "delivered")
    path = f"{WEBHOOKS}/{webhook['id']}/deliveries/{queued['id']}/redeliver"
    response = client.post(path, headers=owner)
    assert response.status_code == 202 and response.json["status"] == "pending"
    first, second = receiver.wait_for(2)
    assert (
        first.headers["webhook-id"]
        == second.headers["webhook-id"]
        == queued["webhook_id"]
    )
    [listed] = wait_for_status(client, owner, webhook["id"], "delivered")
    assert listed["attempts"] == 1


def test_a_pending_delivery_is_not_redelivered(client, owner, receiver):
    webhook = create(client, owner, receiver.url)
    queued = client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner).json
    response = client.post(
        f"{WEBHOOKS}/{webhook['id']}/deliveries/{queued['id']}/redeliver", headers=owner
    )
    assert assert_problem(response, 409)["detail"] == (
        f"Delivery {queued['id']} is pending: it is sent already."
    )


def test_another_webhooks_delivery_is_not_found(client, owner, receiver):
    first = create(client, owner, receiver.url)
    second = create(client, owner, receiver.url)
    queued = client.post(f"{WEBHOOKS}/{first['id']}/test", headers=owner).json
    for path in (
        f"{WEBHOOKS}/{second['id']}/deliveries/{queued['id']}",
        f"{WEBHOOKS}/999999/deliveries/{queued['id']}",
        f"{WEBHOOKS}/999999/deliveries",
    ):
        assert_problem(client.get(path, headers=owner), 404)
    assert_problem(
        client.post(
            f"{WEBHOOKS}/{second['id']}/deliveries/{queued['id']}/redeliver",
            headers=owner,
        ),
        404,
    )


@pytest.mark.config(**QUICK, WEBHOOK_SECRET_OVERLAP="2s")
def test_after_rotation_both_secrets_sign_until_the_overlap_ends(
    client, owner, receiver, worker
):
    webhook = create(client, owner, receiver.url)
    old = webhook["secret"]
    response = client.post(f"{WEBHOOKS}/{webhook['id']}/rotate-secret", headers=owner)
    assert response.status_code == 200
    new = response.json["secret"]
    assert new.startswith("whsec_") and new != old
    assert response.json["previous_secret_expires_at"].endswith("Z")
    shown = client.get(f"{WEBHOOKS}/{webhook['id']}", headers=owner).json
    assert new not in json.dumps(shown) and old not in json.dumps(shown)
    client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner)
    [during] = receiver.wait_for(1)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(during.body, during.headers)
    time.sleep(2.5)
    client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner)
    after = receiver.wait_for(2)[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_a_disabled_webhook_is_not_tested(app, client, owner, receiver):
    webhook = create(client, owner, receiver.url)
    client.patch(f"{WEBHOOKS}/{webhook['id']}", json={"enabled": False}, headers=owner)
    response = client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner)
    assert "is disabled" in assert_problem(response, 409)["detail"]


@pytest.mark.parametrize(
    "rights", [{"manage_users": True}, {"manage_clients": True}, {}]
)
def test_only_the_owner_reads_deliveries_tests_and_rotates(
    client, owner, admin_actions, receiver, rights
):
    webhook = create(client, owner, receiver.url)
    queued = client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=owner).json
    headers = admin_actions.login("someone", **rights)
    base = f"{WEBHOOKS}/{webhook['id']}"
    for method, path in (
        ("get", f"{base}/deliveries"),
        ("get", f"{base}/deliveries/{queued['id']}"),
        ("post", f"{base}/deliveries/{queued['id']}/redeliver"),
        ("post", f"{base}/test"),
        ("post", f"{base}/rotate-secret"),
    ):
        assert_problem(getattr(client, method)(path, headers=headers), 403)
        assert_problem(getattr(client, method)(path), 401)


def test_cli_tests_lists_shows_redelivers_and_rotates(
    client, owner, receiver, worker, runner
):
    webhook = create(client, owner, receiver.url)
    webhook_id = str(webhook["id"])

    def run(*args):
        result = runner.invoke(args=["webhook", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    queued = run("test", webhook_id)
    assert queued["event_type"] == "webhook.test" and queued["status"] == "pending"
    receiver.wait_for(1)
    wait_until(
        lambda: run("deliveries", webhook_id)["deliveries"][0]["status"] == "delivered"
    )
    listing = run("deliveries", webhook_id)
    assert listing["total"] == 1
    detail = run("delivery", webhook_id, str(queued["id"]))
    assert [a["status_code"] for a in detail["attempt_log"]] == [204]
    assert run("redeliver", webhook_id, str(queued["id"]))["status"] == "pending"
    receiver.wait_for(2)
    rotated = run("rotate-secret", webhook_id)
    assert rotated["secret"].startswith("whsec_")


@pytest.mark.parametrize(
    "args, message",
    [
        (["test", "999999"], "No webhook 999999."),
        (["deliveries", "0"], "0 is not in the range"),
        (["redeliver", "1", "x"], "'x' is not a valid integer"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(runner, args, message):
    result = runner.invoke(args=["webhook", *args])
    assert result.exit_code == 2
    assert message in result.output
