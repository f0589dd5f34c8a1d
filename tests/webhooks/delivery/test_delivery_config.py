"""Delivery settings that cannot work stop startup with one line naming the key."""

from __future__ import annotations

import pytest

from idp import create_app
from idp.errors import ConfigError
from tests.test_config import IN_MEMORY


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"WEBHOOK_RETRY_SCHEDULE": "5s,,5m"}, "IDP_WEBHOOK_RETRY_SCHEDULE"),
        ({"WEBHOOK_RETRY_SCHEDULE": "soon"}, "IDP_WEBHOOK_RETRY_SCHEDULE"),
        ({"WEBHOOK_LEASE_SECONDS": 0}, "IDP_WEBHOOK_LEASE_SECONDS"),
        ({"WEBHOOK_TIMEOUT": "ten"}, "IDP_WEBHOOK_TIMEOUT"),
        ({"WEBHOOK_SECRET_OVERLAP": "-1h"}, "IDP_WEBHOOK_SECRET_OVERLAP"),
        ({"WEBHOOK_DISABLE_AFTER": ""}, "IDP_WEBHOOK_DISABLE_AFTER"),
        ({"WEBHOOK_RETENTION": "forever"}, "IDP_WEBHOOK_RETENTION"),
        ({"WEBHOOK_EXPIRING_DAYS": 0}, "IDP_WEBHOOK_EXPIRING_DAYS"),
        ({"WEBHOOK_TIMEOUT": 30, "WEBHOOK_LEASE_SECONDS": 60}, "three times"),
    ],
)
def test_delivery_setting_that_cannot_work_stops_startup(overrides, message):
    with pytest.raises(ConfigError, match=message) as raised:
        create_app({**IN_MEMORY, "TESTING": True, **overrides})
    assert "\n" not in str(raised.value)


def test_durations_may_be_seconds_or_text():
    app = create_app(
        {
            **IN_MEMORY,
            "TESTING": True,
            "WEBHOOK_RETENTION": 3600,
            "WEBHOOK_DISABLE_AFTER": "1h30m",
        }
    )
    assert app.config["WEBHOOK_RETENTION"] == 3600
