"""/openapi.json and /docs, and a schemathesis run against the live document."""

from __future__ import annotations

import re

import pytest
import schemathesis
from apispec.ext.marshmallow import MarshmallowPlugin
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance

from idp import create_app

OAUTH_PATHS = {
    "/oauth/token": "post",
    "/oauth/introspect": "post",
    "/oauth/revoke": "post",
    "/.well-known/oauth-authorization-server": "get",
    "/register": "post",
}
# The documents are private by default (tests/console/test_docs.py); here they
# are read as IDP_PUBLIC_DOCS=true serves them.
pytestmark = pytest.mark.config(PUBLIC_DOCS=True)
API_RESOURCES = [
    "/api/v1/clients",
    "/api/v1/clients/{client_id}",
    "/api/v1/clients/{client_id}/rotate-secret",
    "/api/v1/profiles",
    "/api/v1/profiles/{name}",
    "/api/v1/operators",
    "/api/v1/operators/{username}",
    "/api/v1/me",
    "/api/v1/me/personal-access-tokens",
    "/api/v1/me/api-accounts",
    "/api/v1/operators/{username}/personal-access-tokens",
    "/api/v1/operators/{username}/api-accounts",
    "/api/v1/operators/{username}/api-keys",
    "/api/v1/operators/{username}/api-keys/{public_key}",
    "/api/v1/webhooks/{webhook_id}/deliveries",
    "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}",
    "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    "/api/v1/webhooks/{webhook_id}/test",
    "/api/v1/webhooks/{webhook_id}/rotate-secret",
]


@pytest.fixture
def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_document_is_valid_openapi_3(app, document):
    """Validated against the OpenAPI 3.0 meta-schema by schemathesis' loader."""
    assert document["openapi"].startswith("3.")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    schema.validate()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35


def test_document_covers_the_api_and_the_oauth_endpoints(document):
    paths = document["paths"]
    for path, method in OAUTH_PATHS.items():
        assert method in paths.get(path, {}), path
    for path in API_RESOURCES:
        assert path in paths, path
    for path, item in paths.items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                # Published events come from a client (Basic), as introspection.
                security = "client" if path == "/api/v1/events" else "bearer"
                assert operation["security"] == [{security: []}], (method, path)
                assert operation.get("summary"), (method, path)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    token = paths["/oauth/token"]["post"]
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert set(form["schema"]["properties"]["grant_type"]["enum"]) == {
        "password",
        "refresh_token",
    }


def test_an_operation_needs_a_bearer_exactly_when_its_document_says_so(
    client, document
):
    """Asked without credentials, an operation challenges for a bearer if and only
    if the document lists the bearer scheme for it: require() documents itself,
    and a public operation (OAuth, /register, published events) does not claim it.
    """
    bearer_operations = 0
    for path, item in document["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            response = client.open(url, method=method.upper())
            challenged = response.status_code == 401 and response.headers.get(
                "WWW-Authenticate", ""
            ).startswith("Bearer ")
            documented = operation.get("security") == [{"bearer": []}]
            assert challenged == documented, (method, path, response.status_code)
            bearer_operations += documented
    assert bearer_operations >= 40


def test_error_responses_are_documented_as_problem_details(document):
    error = document["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(error) == ["application/problem+json"]
    schema = error["application/problem+json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert {"type", "title", "status", "detail", "errors"} <= set(schema["properties"])
    assert schema["properties"]["status"]["type"] == "integer"


def test_docs_page_uses_local_assets_only(client):
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert sources, html
    for source in sources:
        assert not source.startswith(("http://", "https://", "//")), source
    assets = [s for s in sources if s.startswith("/docs/assets/")]
    assert any(s.endswith(".js") for s in assets), sources
    assert any(s.endswith(".css") for s in assets), sources
    for source in assets:
        asset = client.get(source)
        body = asset.get_data()
        asset.close()  # send_from_directory streams an open file
        assert asset.status_code == 200, source
        assert body, source
    assert "/openapi.json" in html


def test_docs_keep_the_authorization_and_offer_try_it_out(client):
    """A user authorizes once with a PAT; Swagger UI keeps it and shows curl."""
    html = client.get("/docs").get_data(as_text=True)

    assert re.search(r"persistAuthorization[\"']?\s*:\s*true", html), html
    assert re.search(r"tryItOutEnabled[\"']?\s*:\s*true", html), html


def test_unknown_asset_is_404(client):
    response = client.get("/docs/assets/no-such-file.js")

    assert response.status_code == 404


# -- schemathesis ------------------------------------------------------------

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# schemathesis.pytest.from_fixture() reads `request.node._nodeid`, which pytest 9
# no longer has. So the operations are taken from the document of an app built
# here, and each case is sent to the test's own app (one per database backend),
# whose document the fixture checks is the same.
_DOCUMENT_APP = create_app(
    {
        "TESTING": True,
        "DATABASE_URL": "sqlite://",
        "PASSWORD_HASHING": "fast",
        "PUBLIC_DOCS": True,
    }
)
FUZZED = schemathesis.openapi.from_wsgi("/openapi.json", _DOCUMENT_APP).include(
    path_regex=r"^/api/v1/"
)


@pytest.fixture
def fuzzing_owner(app, admin_actions) -> dict[str, str]:
    """The owner's bearer header, with data for the generated calls to find."""
    assert app.test_client().get("/openapi.json").json == FUZZED.raw_schema
    headers = admin_actions.login("owner", is_owner=True)
    admin_actions.operator("robot", kind="api_member")
    admin_actions.oauth.oauth_client("script")
    return headers


@pytest.mark.config(RATE_LIMIT="1000000/minute", PUBLIC_DOCS=True)
@FUZZED.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_no_5xx_and_keeps_its_schema(case, app, fuzzing_owner):
    """Generated requests with the owner's PAT: no 5xx, each answer as documented.

    Errors included: each is problem details, as the document says.
    """
    response = case.call(app=app, headers=fuzzing_owner)
    case.validate_response(response, checks=CHECKS, headers=fuzzing_owner)


def test_every_request_body_has_an_example_without_secrets(app, document):
    """Swagger UI fills Try-it-out bodies from the example; without one it invents
    every optional member, a client secret "string" and ten-year lifetimes among
    them, which Execute would send as they are."""
    plugin = next(
        plugin
        for plugin in app.extensions["idp.api"].spec.plugins
        if isinstance(plugin, MarshmallowPlugin)
    )
    schemas = {name: key[0] for key, name in plugin.converter.refs.items()}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            example = content["application/json"].get("example")
            assert example, f"{method.upper()} {path} has no example body"
            assert not {"client_secret", "password"} & set(example), (method, path)
            name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            schemas[name]().load(example)  # raises if the example is invalid
