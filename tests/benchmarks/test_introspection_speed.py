"""How fast the hot path is: introspection of an active token, in-process.

Run with `make bench`. Prints figures; asserts only that answers stay correct.
"""

from __future__ import annotations

import time

import pytest

ROUNDS = 2000


@pytest.mark.benchmark
@pytest.mark.config(RATE_LIMIT="1000000/minute")
def test_introspection_per_request_cost(oauth_actions, database_url):
    """Microseconds per introspection once the caller and token are remembered."""
    resource_server = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    assert oauth_actions.introspect(resource_server, token).json["active"] is True
    start = time.perf_counter()
    for _ in range(ROUNDS):
        response = oauth_actions.introspect(resource_server, token)
    elapsed = time.perf_counter() - start
    assert response.json["active"] is True
    backend = database_url.split(":", 1)[0]
    print(
        f"\nintrospection ({backend}, Redis counter): "
        f"{elapsed / ROUNDS * 1e6:.0f} µs per request, "
        f"{ROUNDS / elapsed:.0f} requests/s in one thread (Flask test client)"
    )
