"""When idp is down, the example API refuses with 503 and never serves unchecked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .actions import OAuthActions
from .actions import bearer
from .deployment import Deployment
from .deployment import Operator
from .processes import ServerProcess
from .processes import start_example_api
from .processes import start_idp


@pytest.fixture
def idp_to_stop(deployment: Deployment, log_dir: Path) -> Iterator[ServerProcess]:
    """An idp of this test's own, on the shared database, so stopping it harms no other."""
    server = start_idp(deployment.env, log_dir)
    yield server
    server.stop()


@pytest.fixture
def api_of_idp_to_stop(
    idp_to_stop: ServerProcess, deployment: Deployment, log_dir: Path
) -> Iterator[ServerProcess]:
    client = deployment.resource_server
    server = start_example_api(
        idp_to_stop.url, client.client_id, client.secret, log_dir
    )
    yield server
    server.stop()


def test_example_api_answers_503_while_idp_is_down(
    idp_to_stop: ServerProcess,
    api_of_idp_to_stop: ServerProcess,
    deployment: Deployment,
    operator: Operator,
):
    """A valid token is served while idp answers, and refused with 503 once it stops."""
    url = f"{api_of_idp_to_stop.url}/api/dashboard"
    token = OAuthActions(idp_to_stop.url, deployment).login(operator)
    assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200

    idp_to_stop.stop()

    refused = requests.get(url, headers=bearer(token), timeout=10)
    assert refused.status_code == 503
    assert refused.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The authorization server cannot be reached; "
        "try again later.",
    }
