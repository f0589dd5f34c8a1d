"""API access: the clients screens, for each role."""

from __future__ import annotations

import re

import pytest

from idp.oauth import client_auth
from idp.oauth import clients as oauth_clients
from tests.conftest import basic
from tests.console.conftest import PASSWORD

CLIENT_PAGES = [
    ("get", "/console/clients"),
    ("get", "/console/clients/new"),
    ("post", "/console/clients/new"),
    ("get", "/console/clients/script/edit"),
    ("post", "/console/clients/script/edit"),
    ("get", "/console/clients/script/rotate-secret"),
    ("post", "/console/clients/script/rotate-secret"),
    ("get", "/console/clients/script/delete"),
    ("post", "/console/clients/script/delete"),
]
NEW = {
    "client_id": "nightly-export",
    "access_hours": "1",
    "access_minutes": "30",
    "refresh_hours": "48",
    "refresh_minutes": "0",
    "password_grant": "y",
    "refresh_tokens": "y",
}


@pytest.fixture
def admin(console):
    console.operator(manage_clients=True)
    console.sign_in()
    return console


def _secret(response) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'value="(idp_cs_[^"]+)"', html)
    assert match, html
    assert "cannot be shown again" in html
    return match.group(1)


@pytest.mark.parametrize(
    "role", [{}, {"manage_users": True}], ids=["plain", "manage_users"]
)
def test_without_manage_clients_every_client_screen_is_refused(console, role):
    console.oauth.oauth_client("script")
    console.operator(**role)
    console.sign_in()
    assert "/console/clients" not in console.text("/console")
    for method, path in CLIENT_PAGES:
        response = getattr(console, method)(path)
        assert response.status_code == 403, (method, path)
    with console.app.app_context():
        oauth_clients.get_client("script")  # still there


def test_the_owner_manages_clients_without_the_right(console):
    console.operator(is_owner=True)
    console.sign_in()
    assert console.get("/console/clients").status_code == 200


def test_register_with_a_generated_secret_shown_once(admin):
    response = admin.post("/console/clients/new", NEW)
    assert response.status_code == 200
    secret = _secret(response)
    # The secret works: the client gets a token for the operator...
    check = admin.oauth.password_grant("nightly-export", secret, "alice", PASSWORD)
    assert check.status_code == 200, check.json
    with admin.app.test_request_context():
        client = oauth_clients.get_client("nightly-export")
        assert client.access_token_ttl == 5400
        assert client.refresh_token_ttl == 48 * 3600
        assert client.password_grant and client.refresh_tokens
        assert not client.may_introspect
        assert client_auth.verify_client_secret("nightly-export", secret) is not None
    # ...and no page shows it again.
    for path in (
        "/console/clients",
        "/console/clients/nightly-export/edit",
        "/console",
    ):
        assert secret not in admin.text(path)


def test_register_with_a_typed_secret(admin):
    response = admin.post(
        "/console/clients/new", {**NEW, "client_secret": "my-own-secret"}
    )
    html = response.get_data(as_text=True)
    assert 'value="my-own-secret"' in html and "cannot be shown again" in html
    with admin.app.test_request_context():
        assert client_auth.verify_client_secret("nightly-export", "my-own-secret")
    assert "my-own-secret" not in admin.text("/console/clients")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "bad/id"}, "A client ID"),
        ({"client_secret": "a+b"}, "cannot hold"),
        ({"access_hours": "0", "access_minutes": "0"}, "between 1 second"),
        ({"access_minutes": "75"}, "Number must be between"),
        ({"access_hours": "x"}, "Not a valid integer"),
    ],
)
def test_bad_input_is_a_form_message_and_changes_nothing(admin, change, message):
    response = admin.post("/console/clients/new", {**NEW, **change})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html, html
    assert "idp_cs_" not in html
    with admin.app.app_context():
        assert oauth_clients.list_clients().count() == 0


def test_a_taken_client_id_is_refused(admin):
    admin.oauth.oauth_client("nightly-export")
    html = admin.post("/console/clients/new", NEW).get_data(as_text=True)
    assert "already exists" in html and "idp_cs_" not in html


def test_edit_changes_lifetimes_and_toggles(admin):
    admin.oauth.oauth_client("script")
    form = admin.text("/console/clients/script/edit")
    assert re.search(r'id="access_hours"[^>]*value="1"', form), form
    assert re.search(r'id="refresh_hours"[^>]*value="24"', form), form
    response = admin.post(
        "/console/clients/script/edit",
        {
            "access_hours": "0",
            "access_minutes": "15",
            "refresh_hours": "2",
            "refresh_minutes": "0",
            "may_introspect": "y",
        },
    )
    assert response.status_code == 302
    with admin.app.app_context():
        client = oauth_clients.get_client("script")
        assert client.access_token_ttl == 900
        assert client.refresh_token_ttl == 7200
        assert not client.password_grant and not client.refresh_tokens
        assert client.may_introspect
    listing = admin.text("/console/clients")
    assert "0 h 15 min" in listing


def test_rotate_asks_first_then_replaces_the_secret(admin):
    _, old = admin.oauth.oauth_client("script")
    confirm = admin.text("/console/clients/script/rotate-secret")
    assert "stop working" in confirm
    with admin.app.test_request_context():
        assert client_auth.verify_client_secret("script", old)  # asking changed nothing
    new = _secret(admin.post("/console/clients/script/rotate-secret"))
    with admin.app.test_request_context():
        assert client_auth.verify_client_secret("script", old) is None
        assert client_auth.verify_client_secret("script", new) is not None
    assert new not in admin.text("/console/clients")


def test_delete_asks_first_then_deletes(admin):
    admin.oauth.oauth_client("script")
    assert "cannot be undone" in admin.text("/console/clients/script/delete")
    assert admin.get("/console/clients").get_data(as_text=True).count("script") >= 1
    response = admin.post("/console/clients/script/delete")
    assert response.status_code == 302
    with admin.app.app_context():
        assert oauth_clients.list_clients().count() == 0
    assert admin.get("/console/clients/script/delete").status_code == 404


def test_client_changes_need_the_csrf_token(admin):
    admin.oauth.oauth_client("script")
    for path in (
        "/console/clients/new",
        "/console/clients/script/edit",
        "/console/clients/script/rotate-secret",
        "/console/clients/script/delete",
    ):
        assert admin.http.post(path, data=NEW).status_code == 400, path
    with admin.app.app_context():
        assert [c.client_id for c in oauth_clients.list_clients()] == ["script"]


def test_the_list_paginates_like_the_api(admin):
    for number in range(12):
        admin.oauth.oauth_client(f"client-{number:02d}")
    first = admin.text("/console/clients")
    assert "client-09" in first and "client-10" not in first
    assert "Page 1 of 2" in first and "12 items" in first
    second = admin.text("/console/clients?page=2")
    assert "client-10" in second and "client-00" not in second
    assert "client-11" in admin.text("/console/clients?page=1&page_size=100")
    assert admin.get("/console/clients?page=abc&page_size=-4").status_code == 200


def test_the_publish_toggle_decides_whether_the_client_may_publish_events(admin):
    """Ticked on the form, the client's POST /api/v1/events is accepted; unticked, refused."""
    from idp.webhooks import event_types

    with admin.app.app_context():
        event_types.create_event_type(None, "task.created", "A task was created.")
    form = admin.text("/console/clients/new")
    assert 'name="may_publish_events"' in form
    created = admin.post(
        "/console/clients/new",
        {**NEW, "client_secret": "tasks-api-secret", "may_publish_events": "y"},
    )
    assert created.status_code == 200
    publisher = basic("nightly-export", "tasks-api-secret")
    event = {"type": "task.created", "data": {"task_id": 7}}

    api = admin.app.test_client()
    assert api.post("/api/v1/events", json=event, headers=publisher).status_code == 202
    edit = {k: v for k, v in NEW.items() if k != "client_id"}
    assert admin.post("/console/clients/nightly-export/edit", edit).status_code == 302
    refused = api.post("/api/v1/events", json=event, headers=publisher)
    assert refused.status_code == 403, refused.json
