"""Fixtures: a running fake idp, an Introspector of it, the example resource API."""

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from idp_client import Introspector

from .fake_idp import RESOURCE_SERVER
from .fake_idp import TIMEOUT
from .fake_idp import FakeIdp
from .fake_idp import FakeIdpServer

EXAMPLE_APP = Path(__file__).parents[2] / "clients" / "examples" / "app.py"


@pytest.fixture
def fake_idp_server() -> Iterator[FakeIdpServer]:
    """A running fake idp, stopped at teardown."""
    server = FakeIdpServer(FakeIdp())
    yield server
    server.stop()


@pytest.fixture
def fake_idp(fake_idp_server: FakeIdpServer) -> FakeIdp:
    """The fake idp's table, to add credentials and read what it received."""
    return fake_idp_server.idp


@pytest.fixture
def introspector(fake_idp: FakeIdp) -> Iterator[Introspector]:
    """An Introspector authenticated as the tickets API, with short timeouts."""
    with Introspector(fake_idp.url, *RESOURCE_SERVER, timeout=TIMEOUT) as client:
        yield client


@pytest.fixture
def example_app(fake_idp: FakeIdp) -> Iterator[Flask]:
    """The example resource API of clients/examples, configured for the fake idp."""
    spec = importlib.util.spec_from_file_location("example_app", EXAMPLE_APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = module.create_app(
        {
            "TESTING": True,
            "IDP_URL": fake_idp.url,
            "IDP_CLIENT_ID": RESOURCE_SERVER[0],
            "IDP_CLIENT_SECRET": RESOURCE_SERVER[1],
            "IDP_TIMEOUT": TIMEOUT,
        }
    )
    yield app
    app.extensions["idp"].introspector.close()
