"""Users in a real browser: an operator with a role, its API accounts, others' tokens."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from idp.accounts import operators
from idp.accounts import profiles
from idp.credentials import services as credentials
from idp.oauth import clients as oauth_clients
from tests.console.browser.test_console_in_chromium import _operator
from tests.console.browser.test_console_in_chromium import _sign_in


def test_create_an_operator_with_a_role_and_watch_its_api_account_get_used(
    page, live_console, shot
):
    _operator(live_console, "admin", manage_users=True)
    with live_console.app.app_context():
        profiles.create_profile("support")
        _, secret = oauth_clients.register_client(
            "resource-api",
            access_token_ttl=3600,
            refresh_token_ttl=86400,
            may_introspect=True,
        )
    _sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Create a user").click()
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Security role").select_option("support")
    shot(page, "user-form")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("cannot be shown again")).to_be_visible()
    password = page.get_by_label("Password of carol").input_value()
    assert password.startswith("idp_pw_")
    page.get_by_role("link", name="Done").click()

    expect(page.get_by_role("heading", name=re.compile("carol"))).to_be_visible()
    expect(page.get_by_label("Security role")).to_have_value("support")
    page.get_by_role("link", name="API management").click()
    page.get_by_role("button", name="Add an API account").click()
    account_password = page.get_by_label(
        re.compile("Password of idp_aa_")
    ).input_value()
    username = page.locator("#new-username").inner_text()
    shot(page, "api-account-created")
    page.get_by_role("link", name="Done").click()

    row = page.get_by_role("row", name=re.compile(username))
    expect(row).to_contain_text("Not yet used")
    answer = requests.post(
        live_console.url("/oauth/introspect"),
        auth=("resource-api", secret),
        data={"token": f"{username}:{account_password}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["username"] == "carol"
    page.reload()
    expect(row).not_to_contain_text("Not yet used")
    expect(row.locator("time")).to_have_count(2)  # created, and now last used
    assert account_password not in page.content() and password not in page.content()
    shot(page, "api-accounts")

    # The users list now dates carol's last activity, in the viewer's time zone.
    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="Users"
    ).click()
    carol = page.get_by_role("row", name=re.compile("carol"))
    expect(carol).not_to_contain_text("No activity yet")
    expect(carol.locator("time")).to_have_count(2)  # created, last activity
    expect(page.get_by_role("row", name=re.compile("admin"))).to_contain_text(
        "No activity yet"
    )
    shot(page, "users-last-activity")


def test_revoke_another_users_token_but_not_the_owners(page, live_console, shot):
    _operator(live_console, "admin", manage_users=True)
    _operator(live_console, "bob")
    with live_console.app.app_context():
        boss, _ = operators.create_operator(
            "boss", profile=profiles.create_profile("holder"), is_owner=True
        )
        for who in (operators.get_operator("bob"), boss):
            _, token = credentials.issue_personal_access_token(
                who, who, name=f"{who.username}-laptop"
            )
            if who.username == "bob":
                bob_token = token
    _sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    shot(page, "users")

    page.get_by_role("link", name="boss", exact=True).click()
    page.get_by_role("link", name="Personal access tokens").click()
    row = page.get_by_role("row", name=re.compile("boss-laptop"))
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name="Revoke")).to_have_count(0)
    expect(
        page.get_by_text("Only the owner revokes the owner's tokens.")
    ).to_be_visible()
    shot(page, "owner-tokens")

    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="Users"
    ).click()
    page.get_by_role("link", name="bob", exact=True).click()
    page.get_by_role("link", name="Personal access tokens").click()
    page.get_by_role("row", name=re.compile("bob-laptop")).get_by_role(
        "link", name="Revoke"
    ).click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token revoked.")).to_be_visible()
    expect(page.get_by_text("No token yet.")).to_be_visible()
    me = requests.get(
        live_console.url("/api/v1/me"),
        headers={"Authorization": f"Bearer {bob_token}"},
        timeout=10,
    )
    assert me.status_code == 401


def test_an_api_member_gets_a_key_shown_once_then_revoked(page, live_console, shot):
    _operator(live_console, "admin", manage_users=True)
    with live_console.app.app_context():
        profiles.create_profile("robots")
        _, secret = oauth_clients.register_client(
            "resource-api",
            access_token_ttl=3600,
            refresh_token_ttl=86400,
            may_introspect=True,
        )
    _sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Create a user").click()
    page.get_by_label("Username").fill("robot")
    page.get_by_label("Kind").select_option(label="API member")
    page.get_by_label("Security role").select_option("robots")
    page.get_by_role("button", name="Create").click()
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_text("No API key yet.")).to_be_visible()
    page.get_by_label("Description").fill("nightly sync")
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_text("cannot be shown again")).to_be_visible()
    public = page.locator("#new-public-key").inner_text()
    private = page.get_by_label("Private key").input_value()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == private
    shot(page, "api-key-created")
    page.get_by_role("link", name="Done").click()

    row = page.get_by_role("row", name=re.compile("nightly sync"))
    expect(row).to_contain_text(public)
    expect(row).to_contain_text("Not yet used")
    assert private not in page.content()
    answer = requests.post(
        live_console.url("/oauth/introspect"),
        auth=("resource-api", secret),
        data={"token": f"{public}:{private}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["active"] is True
    page.reload()
    expect(row).not_to_contain_text("Not yet used")
    shot(page, "api-keys")

    row.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("API key revoked.")).to_be_visible()
    expect(page.get_by_text("No API key yet.")).to_be_visible()
    answer = requests.post(
        live_console.url("/oauth/introspect"),
        auth=("resource-api", secret),
        data={"token": f"{public}:{private}"},
        timeout=10,
    )
    assert answer.json()["active"] is False
