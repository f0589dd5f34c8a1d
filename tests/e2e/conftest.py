"""Fixtures: idp under gunicorn and the example API, as real processes on loopback.

The deployment and both servers are shared by the package's tests; each test gets
operators of its own, so that one test's requests never count against another's
rate limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .actions import OAuthActions
from .deployment import PLAIN_PROFILE
from .deployment import TICKETS_PROFILE
from .deployment import Deployment
from .deployment import Operator
from .processes import ServerProcess
from .processes import start_example_api
from .processes import start_idp


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Show what every server of a failed test wrote, beside the failure."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, ServerProcess):
                report.sections.append((f"{value.name} output", value.output()))
    return report


@pytest.fixture(scope="package")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-logs")


@pytest.fixture(scope="package")
def deployment() -> Iterator[Deployment]:
    """A fresh database and Redis prefix, set up with the `idp` command; removed after."""
    deployment = Deployment()
    try:
        deployment.create()
        yield deployment
    finally:
        deployment.destroy()


@pytest.fixture(scope="package")
def idp_server(deployment: Deployment, log_dir: Path) -> Iterator[ServerProcess]:
    server = start_idp(deployment.env, log_dir)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def example_api(
    idp_server: ServerProcess, deployment: Deployment, log_dir: Path
) -> Iterator[ServerProcess]:
    """The example API, introspecting at ``idp_server`` as the resource server."""
    client = deployment.resource_server
    server = start_example_api(idp_server.url, client.client_id, client.secret, log_dir)
    yield server
    server.stop()


@pytest.fixture
def operator(deployment: Deployment) -> Operator:
    """A new operator whose profile may inquire every ticket."""
    return deployment.create_operator(TICKETS_PROFILE)


@pytest.fixture
def operator_without_tickets(deployment: Deployment) -> Operator:
    """A new operator whose profile has level `none` on the tickets module."""
    return deployment.create_operator(PLAIN_PROFILE)


@pytest.fixture
def oauth(idp_server: ServerProcess, deployment: Deployment) -> OAuthActions:
    return OAuthActions(idp_server.url, deployment)
