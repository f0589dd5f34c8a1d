"""/docs and /openapi.json: only for operators with api_access, unless made public."""

from __future__ import annotations

import pytest

from idp.credentials import services as credentials
from tests.admin.conftest import bearer


def _pat(console, username: str) -> str:
    with console.app.app_context():
        from idp.accounts import operators

        operator = operators.get_operator(username)
        return credentials.issue_personal_access_token(None, operator, name="docs")[1]


def test_anonymous_browsers_are_sent_to_sign_in(client):
    response = client.get("/docs")
    assert response.status_code == 302
    assert response.location == "/console/sign-in?next=/docs"
    document = client.get("/openapi.json")
    assert document.status_code == 401
    assert document.mimetype == "application/problem+json"


def test_a_signed_in_operator_reads_them(console):
    console.operator()
    console.sign_in()
    assert console.get("/docs").status_code == 200
    assert console.get("/openapi.json").json["openapi"].startswith("3.")
    assert 'href="/docs"' in console.text("/console")


def test_a_bearer_credential_with_api_access_reads_them(console):
    console.operator()
    console.operator("barred", api_access=False)
    pat = _pat(console, "alice")
    assert console.get("/openapi.json", headers=bearer(pat)).status_code == 200
    assert console.get("/docs", headers=bearer(pat)).status_code == 200
    barred = _pat(console, "barred")
    assert console.get("/openapi.json", headers=bearer(barred)).status_code == 401
    assert console.get("/docs", headers=bearer("idp_pat_nonsense")).status_code == 401


@pytest.mark.config(PUBLIC_DOCS=True)
def test_public_docs_are_open_to_everyone(client):
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.config(PUBLIC_DOCS=True)
def test_docs_refuse_framing(client):
    response = client.get("/docs")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
