"""Fixtures for delivery: a real receiver on loopback."""

from __future__ import annotations

from tests.webhooks.delivery.receiver import receiver  # noqa: F401
