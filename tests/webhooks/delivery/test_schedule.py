"""The retry schedule: parsing, jitter, Retry-After within bounds."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from idp.timeutil import parse_duration
from idp.webhooks.schedule import next_delay
from idp.webhooks.schedule import parse_retry_after
from idp.webhooks.schedule import parse_schedule

DEFAULT = "5s,5m,30m,2h,5h,10h,10h,10h"


def test_default_schedule():
    schedule = parse_schedule(DEFAULT)
    assert schedule == [5, 300, 1800, 7200, 18000, 36000, 36000, 36000]


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("5s", 5),
        ("0.5s", 0.5),
        ("30m", 1800),
        ("2h", 7200),
        ("1d", 86400),
        ("1h30m", 5400),
        (90, 90),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "bad", ["", "5", "5x", "0s", "-5s", "5s,", ",5s", "5s,,5m", "soon"]
)
def test_bad_schedules_are_refused(bad):
    with pytest.raises(ValueError):
        parse_schedule(bad)


def test_each_failure_waits_its_step_with_jitter_and_the_last_gives_up():
    schedule = parse_schedule(DEFAULT)
    rng = random.Random(1)
    for failures, step in enumerate(schedule, start=1):
        delays = [next_delay(failures, schedule, rng=rng) for _ in range(200)]
        assert all(0.9 * step <= d <= 1.1 * step for d in delays)
        assert len({round(d, 6) for d in delays}) > 100  # spread, not one instant
    assert next_delay(len(schedule) + 1, schedule) is None


def test_retry_after_lengthens_a_wait_up_to_the_longest_step_only():
    schedule = [5.0, 60.0]
    assert next_delay(1, schedule, retry_after=30) == 30
    assert next_delay(1, schedule, retry_after=3600) == 60
    assert 4.5 <= next_delay(1, schedule, retry_after=1) <= 5.5


def test_retry_after_in_seconds_or_as_a_date():
    now = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Sat, 05 Dec 2026 03:02:00 GMT", now) == 120
    assert parse_retry_after("Sat, 05 Dec 2026 02:00:00 GMT", now) == 0
    for bad in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(bad, now) is None
