"""No input a client can send makes a 5xx: each case is a 4xx in its endpoint's format.

Nothing is logged above WARNING for any of them.
"""

from __future__ import annotations

import io
import logging

import pytest
from gunicorn.http.errors import InvalidChunkSize

from tests.admin.conftest import AdminActions
from tests.admin.conftest import assert_problem
from tests.conftest import basic

SURROGATE = b'"\\ud800"'


@pytest.fixture
def owner(oauth_actions):
    admin_actions = AdminActions(oauth_actions)
    headers = admin_actions.login("owner", is_owner=True)
    admin_actions.operator("robot", kind="api_member")
    return headers


@pytest.fixture
def quiet(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    loud = [r.getMessage() for r in caplog.records if r.levelno > logging.WARNING]
    assert loud == []


def _post_json(client, path, body: bytes, headers):
    return client.post(
        path, data=body, headers={**headers, "Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/me/personal-access-tokens", b'{"name": %s}' % SURROGATE),
        ("/api/v1/operators/robot/api-keys", b'{"description": %s}' % SURROGATE),
        (
            "/api/v1/operators",
            b'{"username": "bob", "profile": "p", "password": %s}' % SURROGATE,
        ),
        (
            "/api/v1/clients",
            b'{"client_id": "c", "client_secret": %s}' % SURROGATE,
        ),
        ("/api/v1/profiles", b'{"name": %s}' % SURROGATE),
        ("/api/v1/profiles", b"[" * 100_000 + b"]" * 100_000),
        ("/api/v1/profiles", b'{"name": "p", "x": %s}' % (b"9" * 4301)),
        ("/api/v1/profiles", b'{"name": "p", "x": [1, }'),
    ],
    ids=[
        "pat-name",
        "api-key-description",
        "password",
        "client-secret",
        "profile-name",
        "deep-nesting",
        "long-integer",
        "malformed",
    ],
)
def test_json_python_cannot_take_is_a_400(client, owner, quiet, path, body):
    body = assert_problem(_post_json(client, path, body, owner), 400)
    assert "JSON" in body["detail"]


def _list_paths(client, headers) -> list[str]:
    """Every paged list whose path needs at most a username (others: no rows here)."""
    document = client.get("/openapi.json", headers=headers).json
    paths = [
        path.replace("{username}", "robot")
        for path, item in document["paths"].items()
        if any(
            p.get("name") == "page" for p in item.get("get", {}).get("parameters", [])
        )
    ]
    return [path for path in paths if "{" not in path]


# Three calls per list: the default 30 a minute would end the walk, not the lists.
@pytest.mark.config(RATE_LIMIT="1000/minute")
def test_a_page_past_any_integer_is_a_422_on_every_list(client, owner, quiet):
    paths = _list_paths(client, owner)
    assert "/api/v1/operators" in paths and len(paths) >= 5, paths
    for path in paths:
        for page in (2**31, 2**63, 10**30):
            response = client.get(path, query_string={"page": page}, headers=owner)
            body = assert_problem(response, 422)
            assert "page" in body["errors"], (path, body)


class _BrokenStream(io.BytesIO):
    """A body whose transport fails mid-way, as a malformed chunk does."""

    error = InvalidChunkSize(b"zz")

    def read(self, *args):
        raise self.error

    readline = read


class _StalledStream(_BrokenStream):
    error = TimeoutError("timed out")


@pytest.mark.parametrize(
    ("stream", "status"), [(_BrokenStream, 400), (_StalledStream, 408)]
)
def test_a_body_that_fails_to_arrive_is_a_4xx_in_oauth_format(
    oauth_actions, quiet, stream, status
):
    _, secret = oauth_actions.oauth_client()
    response = oauth_actions.http.post(
        "/oauth/revoke",
        input_stream=stream(),
        environ_overrides={"wsgi.input_terminated": True},
        headers={
            **basic("script", secret),
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
        },
    )
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"] in ("invalid_request", "request_timeout")
    assert "request body" in response.json["error_description"]
