"""Request IDs on every answer, and log lines as JSON that carry them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from idp.logs import configure


@pytest.mark.parametrize(
    ("path", "status"), [("/healthz", 200), ("/nowhere", 404), ("/api/v1/me", 401)]
)
def test_every_answer_carries_a_request_id(client, path, status):
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == status
    assert len(first.headers["X-Request-Id"]) == 32
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_a_plain_incoming_request_id_is_kept(client):
    answer = client.get("/healthz", headers={"X-Request-Id": "gw-7f3a.9_c-1"})
    assert answer.headers["X-Request-Id"] == "gw-7f3a.9_c-1"


@pytest.mark.parametrize(
    "given", ["a" * 65, "two words", 'x"}{"level":"error"', "", "é"]
)
def test_an_unsafe_incoming_request_id_is_replaced(client, given):
    answer = client.get("/healthz", headers={"X-Request-Id": given})
    assert answer.headers["X-Request-Id"] != given
    assert len(answer.headers["X-Request-Id"]) == 32


@pytest.fixture
def json_lines():
    """idp's logging set up as `idp serve` does with IDP_LOG_FORMAT=json, into a buffer."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    extra = logging.StreamHandler(buffer)
    root.addHandler(extra)  # as gunicorn's own handlers are, on its loggers
    configure("json", [extra], level=logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_request_id_of_the_answer(app, client, json_lines):
    @app.get("/_log_something")
    def log_something():
        logging.getLogger("idp.test").warning("something %s", "happened")
        return "ok"

    answer = client.get("/_log_something")
    [line] = [line for line in json_lines() if line["logger"] == "idp.test"]
    assert line["message"] == "something happened"
    assert line["level"] == "warning"
    assert line["request_id"] == answer.headers["X-Request-Id"]
    assert line["time"].endswith("Z")


def test_outside_a_request_the_request_id_is_null(json_lines):
    logging.getLogger("idp.test").info("worker line")
    [line] = [line for line in json_lines() if line["logger"] == "idp.test"]
    assert line["request_id"] is None
