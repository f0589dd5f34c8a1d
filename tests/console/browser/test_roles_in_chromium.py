"""Security roles in a real browser: the module grid reaches introspection."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from idp.accounts import operators
from idp.accounts import profiles
from idp.oauth import clients as oauth_clients
from tests.console.conftest import PASSWORD


def _introspect(live_console, caller, token) -> dict:
    answer = requests.post(
        live_console.url("/oauth/introspect"),
        auth=caller,
        data={"token": token},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_edit_a_roles_module_grid_and_see_the_level_in_introspection(
    page, live_console, shot
):
    with live_console.app.app_context():
        owner_role = profiles.create_profile("owner-profile")
        operators.create_operator(
            "boss", profile=owner_role, password=PASSWORD, is_owner=True
        )
        staff = profiles.create_profile("staff")
        operators.create_operator("alice", profile=staff, password=PASSWORD)
        _, script_secret = oauth_clients.register_client(
            "script", access_token_ttl=3600, refresh_token_ttl=86400
        )
        _, caller_secret = oauth_clients.register_client(
            "resource-api",
            access_token_ttl=3600,
            refresh_token_ttl=86400,
            may_introspect=True,
        )
    caller = ("resource-api", caller_secret)
    grant = requests.post(
        live_console.url("/oauth/token"),
        auth=("script", script_secret),
        data={"grant_type": "password", "username": "alice", "password": PASSWORD},
        timeout=10,
    )
    token = grant.json()["access_token"]
    assert _introspect(live_console, caller, token)["permissions"]["modules"] == {}

    page.goto("/console")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Security roles").click()
    expect(page.get_by_role("row", name="staff")).to_be_visible()
    shot(page, "roles")

    # A module first: none is declared yet.
    page.get_by_role("link", name="Modules").click()
    page.get_by_label("Module name").fill("tickets")
    page.get_by_role("button", name="Add the module").click()
    expect(page.get_by_text("Module tickets added.")).to_be_visible()
    shot(page, "modules")
    assert _introspect(live_console, caller, token)["permissions"]["modules"] == {
        "tickets": {"add": "none", "edit": "none", "delete": "none", "inquire": "none"}
    }

    page.get_by_role("link", name="Roles", exact=True).click()
    page.get_by_role("link", name="Edit: staff").click()
    inquire = page.get_by_label("tickets: Inquire")
    expect(inquire).to_have_value("none")
    inquire.select_option("all")
    page.get_by_label("tickets: Edit").select_option("own")
    shot(page, "role-grid")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Role staff saved.")).to_be_visible()

    levels = _introspect(live_console, caller, token)["permissions"]["modules"]
    assert levels == {
        "tickets": {"add": "none", "edit": "own", "delete": "none", "inquire": "all"}
    }
    page.get_by_role("link", name="Edit: staff").click()
    expect(page.get_by_label("tickets: Inquire")).to_have_value("all")
    shot(page, "role-grid-saved")
