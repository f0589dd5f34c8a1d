"""IdpAuth and require_permission, through the example resource API."""

import pytest
from flask import Flask

from idp_client.flask import IdpAuth

from .fake_idp import FakeIdp
from .fake_idp import FakeIdpServer


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}


def test_dashboard_names_its_caller(fake_idp: FakeIdp, example_app: Flask) -> None:
    """A served request sees current_principal and carries RateLimit headers."""
    fake_idp.add_credential("at-1")

    response = example_app.test_client().get("/api/dashboard", headers=bearer("at-1"))

    assert response.status_code == 200
    assert response.json["caller"] == {
        "username": "alice",
        "sub": "42",
        "client_id": "reports-script",
        "credential": "oauth_access_token",
    }
    assert response.json["open_tickets"] == 2
    assert response.headers["RateLimit-Limit"] == "30"
    assert response.headers["RateLimit-Remaining"] == "29"


def test_dashboard_without_credential_gets_401(example_app: Flask) -> None:
    """RFC 6750 §3.1: the Flask extension gives the middleware's answer."""
    response = example_app.test_client().get("/api/dashboard")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json["error"] == "unauthorized"


def test_inactive_credential_gets_401_invalid_token(example_app: Flask) -> None:
    """An unknown token is ``invalid_token``."""
    response = example_app.test_client().get("/api/dashboard", headers=bearer("gone"))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_exceeded_rate_limit_gets_429(fake_idp: FakeIdp, example_app: Flask) -> None:
    """Over the limit the view does not run."""
    fake_idp.add_credential("at-1", exceeded=True)

    response = example_app.test_client().get("/api/dashboard", headers=bearer("at-1"))

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert response.headers["RateLimit-Remaining"] == "0"


def test_stopped_idp_gets_503(
    fake_idp_server: FakeIdpServer, example_app: Flask
) -> None:
    """idp down: 503, never the dashboard."""
    fake_idp_server.stop()

    response = example_app.test_client().get("/api/dashboard", headers=bearer("at-1"))

    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"


@pytest.mark.parametrize(
    "modules",
    [{"tickets": {"inquire": "none"}}, {"tickets": {"edit": "all"}}, {}],
    ids=["level-none", "action-absent", "module-absent"],
)
def test_missing_permission_gets_403(
    fake_idp: FakeIdp, example_app: Flask, modules: dict[str, dict[str, str]]
) -> None:
    """Level ``none``, or no level at all, is refused with a JSON 403."""
    fake_idp.add_credential("at-1", modules=modules)

    response = example_app.test_client().get("/api/tickets", headers=bearer("at-1"))

    assert response.status_code == 403
    assert response.json == {
        "error": "insufficient_permission",
        "error_description": "This request needs the 'inquire' permission "
        "on 'tickets'.",
    }
    assert response.headers["RateLimit-Remaining"] == "29"


def test_own_level_is_served_and_handed_to_the_view(
    fake_idp: FakeIdp, example_app: Flask
) -> None:
    """``own`` passes; the view filters to the caller's own tickets."""
    fake_idp.add_credential("at-1", modules={"tickets": {"inquire": "own"}})

    response = example_app.test_client().get("/api/tickets", headers=bearer("at-1"))

    assert response.status_code == 200
    assert response.json == {
        "level": "own",
        "tickets": [
            {"id": 1, "title": "Printer on fire", "owner": "alice", "status": "open"}
        ],
    }


def test_all_level_sees_every_ticket(fake_idp: FakeIdp, example_app: Flask) -> None:
    """``all`` passes unfiltered."""
    fake_idp.add_credential("at-1", modules={"tickets": {"inquire": "all"}})

    response = example_app.test_client().get("/api/tickets", headers=bearer("at-1"))

    assert response.status_code == 200
    assert response.json["level"] == "all"
    assert len(response.json["tickets"]) == 3


def test_public_view_needs_no_credential(fake_idp: FakeIdp, example_app: Flask) -> None:
    """A view marked @public is served without asking idp."""
    response = example_app.test_client().get("/healthz")

    assert response.status_code == 200
    assert fake_idp.introspected == []


def test_missing_configuration_stops_startup() -> None:
    """Without IDP_URL and the client's credentials the app does not start."""
    app = Flask(__name__)
    app.config["IDP_URL"] = "http://127.0.0.1:5000"

    with pytest.raises(RuntimeError, match="IDP_CLIENT_ID, IDP_CLIENT_SECRET"):
        IdpAuth(app)
