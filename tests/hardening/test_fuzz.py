"""Property-based fuzzing of every documented endpoint, OAuth ones included: no 5xx.

schemathesis generates valid and invalid requests (both generation modes) from
/openapi.json and sends them with real credentials. The default budget keeps the
suite quick; ``IDPTEST_FUZZ_EXAMPLES=500`` searches harder.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from idp import create_app
from tests.admin.conftest import AdminActions
from tests.conftest import basic

EXAMPLES = int(os.environ.get("IDPTEST_FUZZ_EXAMPLES", "8"))

_DOCUMENT_APP = create_app(
    {
        "TESTING": True,
        "DATABASE_URL": "sqlite://",
        "PASSWORD_HASHING": "fast",
        "PUBLIC_DOCS": True,
    }
)
EVERYTHING = schemathesis.openapi.from_wsgi("/openapi.json", _DOCUMENT_APP)
EVERYTHING.config.generation.update(modes=list(GenerationMode))


@pytest.fixture
def credentials(app, oauth_actions):
    """Headers for each kind of endpoint, and data for the calls to find."""
    admin = AdminActions(oauth_actions)
    owner = admin.login("owner", is_owner=True)
    admin.operator("robot", kind="api_member")
    _, secret = oauth_actions.oauth_client("script", may_introspect=True)
    return {
        "api": owner,
        "oauth": basic("script", secret),
        "register": basic("owner", "correct horse"),
    }


@pytest.mark.config(
    RATE_LIMIT="1000000/minute", LOGIN_FAILURE_LIMIT="1000000/hour", PUBLIC_DOCS=True
)
@EVERYTHING.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_5xx(case, app, credentials):
    path = case.operation.path
    kind = (
        "api"
        if path.startswith("/api/")
        else "register"
        if path == "/register"
        else "oauth"
    )
    headers = {**credentials[kind], **(case.headers or {})}
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=[not_a_server_error], headers=headers)
