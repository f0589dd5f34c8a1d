"""The console in a real browser: what an admin does on a first visit."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from idp.accounts import operators
from idp.accounts import profiles
from tests.console.conftest import PASSWORD


def _operator(live_console, username="alice", **rights):
    with live_console.app.app_context():
        profile = profiles.create_profile(f"{username}-profile", **rights)
        operators.create_operator(username, profile=profile, password=PASSWORD)


def _sign_in(page, username="alice"):
    page.goto("/console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {username}")).to_be_visible()


def test_register_a_client_and_copy_its_secret(page, live_console, shot):
    _operator(live_console, manage_clients=True)
    _sign_in(page)
    shot(page, "home")
    page.get_by_role("link", name="API access").click()
    shot(page, "clients-empty")
    page.get_by_role("link", name="Register a client").click()
    page.get_by_label("Client ID").fill("nightly-export")
    access = page.get_by_role("group", name="Access token lifetime")
    access.get_by_label("Hours").fill("1")
    access.get_by_label("Minutes").fill("30")
    page.get_by_label("May introspect tokens").check()
    shot(page, "client-form")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("cannot be shown again")).to_be_visible()
    secret = page.get_by_label("Client secret").input_value()
    assert secret.startswith("idp_cs_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot(page, "client-secret")

    # The secret works: the client introspects.
    answer = requests.post(
        live_console.url("/oauth/introspect"),
        auth=("nightly-export", secret),
        data={"token": "nothing"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json() == {"active": False}

    page.get_by_role("link", name="Done").click()
    row = page.get_by_role("row", name=re.compile("nightly-export"))
    expect(row).to_contain_text("1 h 30 min")
    expect(row).to_contain_text("Yes")
    assert secret not in page.content()
    shot(page, "clients")

    row.get_by_role("link", name="Delete").click()
    shot(page, "client-delete-confirm")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Client nightly-export deleted.")).to_be_visible()


def test_create_a_personal_access_token_use_it_and_revoke_it(page, live_console, shot):
    _operator(live_console)
    _sign_in(page)
    page.get_by_role("link", name="My profile").click()
    shot(page, "profile")
    page.get_by_role("link", name="Personal access tokens").click()
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("Expires after").fill("30")
    page.get_by_role("button", name="Create the token").click()
    token = page.get_by_label("Personal access token").input_value()
    assert token.startswith("idp_pat_")
    shot(page, "token-created")
    page.get_by_role("link", name="Done").click()

    row = page.get_by_role("row", name=re.compile("laptop"))
    expect(row).to_contain_text("Not yet used")
    me = requests.get(
        live_console.url("/api/v1/me"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert me.status_code == 200 and me.json()["username"] == "alice"
    page.reload()
    expect(row).not_to_contain_text("Not yet used")
    assert token not in page.content()
    shot(page, "tokens")

    row.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token revoked.")).to_be_visible()
    expect(page.get_by_text("No token yet.")).to_be_visible()
    again = requests.get(
        live_console.url("/api/v1/me"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert again.status_code == 401


def test_keyboard_sign_in_french_and_sign_out(page, live_console, shot):
    _operator(live_console)
    page.goto("/console")
    shot(page, "sign-in")
    # Keyboard only: the username field is reachable and the form submits on Enter.
    page.get_by_label("Username").focus()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome, alice")).to_be_visible()

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="Bienvenue, alice")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "home-fr")
    page.get_by_role("link", name="Mon profil").click()
    expect(page.get_by_text("Ma limite de requêtes")).to_be_visible()
    shot(page, "profile-fr")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    page.goto("/console/profile")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))


@pytest.mark.config(WEBHOOK_ALLOWED_NETWORKS=["127.0.0.1/32"])
def test_the_owner_adds_a_webhook_with_a_masked_header(page, live_console, shot):
    with live_console.app.app_context():
        profile = profiles.create_profile("owner-profile")
        operators.create_operator(
            "boss", profile=profile, password=PASSWORD, is_owner=True
        )
    _sign_in(page, "boss")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="Add a webhook").click()
    page.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    page.get_by_label("Every event").check()
    first = page.get_by_role("group", name="Header 1")
    first.get_by_label("Header name").fill("X-Api-Key")
    first.get_by_label("Value", exact=True).fill("MASKED-VALUE-1")
    first.get_by_label("Mask").check()
    shot(page, "webhook-form")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_label("Signing secret").input_value().startswith("whsec_")
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_text("Stored, masked")).to_be_visible()
    assert "MASKED-VALUE-1" not in page.content()
    shot(page, "webhook-edit")
