"""The rate limit, counted once for the whole deployment in Redis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from .actions import OAuthActions
from .actions import bearer
from .deployment import Operator
from .processes import ServerProcess

LIMIT = 30  # idp's default, 30/minute
PARALLEL = 6


def test_thirty_first_call_in_a_minute_gets_429_with_retry_after(
    example_api: ServerProcess, oauth: OAuthActions, operator: Operator
):
    """A full window is served, the next call is refused with Retry-After.

    The calls run in parallel, so the example API opens several pooled connections
    to idp and both gunicorn workers introspect; the remaining counts still form one
    sequence from 29 to 0, which only a counter shared in Redis gives.
    """
    url = f"{example_api.url}/api/dashboard"
    headers = bearer(oauth.login(operator))

    def call(_: int) -> requests.Response:
        return requests.get(url, headers=headers, timeout=10)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        responses = list(pool.map(call, range(LIMIT)))

    assert [response.status_code for response in responses] == [200] * LIMIT
    remaining = sorted(int(r.headers["RateLimit-Remaining"]) for r in responses)
    assert remaining == list(range(LIMIT))
    assert {r.headers["RateLimit-Limit"] for r in responses} == {str(LIMIT)}

    refused = call(LIMIT)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.json() == {
        "error": "rate_limit_exceeded",
        "error_description": f"Too many requests; try again in {retry_after} seconds.",
    }
