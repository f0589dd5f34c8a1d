"""Standard Webhooks signatures, checked by the reference `standardwebhooks` package."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from standardwebhooks import Webhook
from standardwebhooks import WebhookVerificationError

from idp.webhooks.signing import sign

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = b'{"type":"webhook.test","timestamp":"2026-12-05T03:00:00Z","data":{}}'


def headers(signature: str, timestamp: int) -> dict[str, str]:
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def now() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp())


def test_signature_verifies_with_the_reference_library():
    timestamp = now()
    signature = sign("msg_1", timestamp, BODY, [SECRET])
    assert signature.startswith("v1,") and " " not in signature
    assert Webhook(SECRET).verify(BODY, headers(signature, timestamp)) == {
        "type": "webhook.test",
        "timestamp": "2026-12-05T03:00:00Z",
        "data": {},
    }


def test_one_signature_per_secret_each_verifying():
    timestamp = now()
    signature = sign("msg_1", timestamp, BODY, [SECRET, OLD_SECRET])
    assert len(signature.split(" ")) == 2
    for secret in (SECRET, OLD_SECRET):
        Webhook(secret).verify(BODY, headers(signature, timestamp))


@pytest.mark.parametrize(
    "message_id, timestamp_shift, body",
    [("msg_2", 0, BODY), ("msg_1", 1, BODY), ("msg_1", 0, BODY + b" ")],
)
def test_signature_covers_id_timestamp_and_body(message_id, timestamp_shift, body):
    timestamp = now()
    signature = sign("msg_1", timestamp, BODY, [SECRET])
    tampered = headers(signature, timestamp + timestamp_shift)
    tampered["webhook-id"] = message_id
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, tampered)


@pytest.mark.parametrize("secret", ["k" * 32, "whsec_", "whsec_not base64!"])
def test_malformed_secret_is_refused(secret):
    with pytest.raises(ValueError):
        sign("msg_1", now(), BODY, [secret])
