"""Every rate-limit test runs on each store idp counts in, as limits tests every storage."""

from __future__ import annotations

import pytest
import redis
from limits.storage import Storage
from limits.storage import storage_from_string

from tests.conftest import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def store(request, redis_prefix: str) -> tuple[Storage, redis.Redis | None]:
    """A storage as idp.ratelimit.init_app builds it, and the Redis client beside it."""
    if request.param == "memory":
        yield storage_from_string("memory://"), None
        return
    storage = storage_from_string(
        REDIS_URL, key_prefix=f"{redis_prefix}:ratelimit", wrap_exceptions=True
    )
    client = redis.Redis.from_url(REDIS_URL)
    yield storage, client
    client.close()


@pytest.fixture
def unreachable() -> tuple[Storage, redis.Redis]:
    """A Redis that refuses every connection, at once."""
    url = "redis://127.0.0.1:1/0"
    storage = storage_from_string(
        url, wrap_exceptions=True, socket_connect_timeout=0.5, socket_timeout=0.5
    )
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    yield storage, client
    client.close()
