"""My profile: my tokens, my API accounts, my rate limit."""

from __future__ import annotations

import re

import pytest

from idp.accounts import operators
from idp.credentials import services as credentials
from tests.admin.conftest import bearer


@pytest.fixture
def me(console):
    console.operator()
    console.sign_in()
    return console


def _shown_once(response, prefix: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "cannot be shown again" in html
    match = re.search(rf'value="({prefix}[^"]+)"', html)
    assert match, html
    return match.group(1)


def _pages(console) -> list[str]:
    return [
        console.text(path)
        for path in (
            "/console",
            "/console/profile",
            "/console/profile/tokens",
            "/console/profile/api-accounts",
        )
    ]


def test_create_a_token_shown_once_use_it_and_revoke_it(me):
    secret = _shown_once(
        me.post("/console/profile/tokens", {"name": "laptop", "expires_in_days": "30"}),
        "idp_pat_",
    )
    assert all(secret not in page for page in _pages(me))
    listing = me.text("/console/profile/tokens")
    assert "laptop" in listing and "Not yet used" in listing
    assert secret[:12] in listing  # the hint, to recognise it

    assert me.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    listing = me.text("/console/profile/tokens")
    assert "Not yet used" not in listing
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+Z" title="', listing)

    with me.app.app_context():
        [token] = credentials.list_personal_access_tokens(
            None, operators.get_operator("alice")
        )
        token_id = token.id
    confirm = me.text(f"/console/profile/tokens/{token_id}/revoke")
    assert "stops working at once" in confirm
    assert me.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert me.post(f"/console/profile/tokens/{token_id}/revoke").status_code == 302
    assert me.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert "No token yet." in me.text("/console/profile/tokens")
    # Revoking it again is a page saying so, not a 500.
    again = me.post(f"/console/profile/tokens/{token_id}/revoke")
    assert again.status_code == 404
    assert "No token" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 101}, "Field cannot be longer than 100 characters"),
        ({"name": "ok", "expires_in_days": "0"}, "Number must be between"),
        ({"name": "   "}, "A token needs a name."),
    ],
)
def test_a_bad_token_form_says_why_and_creates_nothing(me, form, message):
    response = me.post("/console/profile/tokens", form)
    html = response.get_data(as_text=True)
    assert message in html and "idp_pat_" not in html.replace("idp_pat_…", "")
    with me.app.app_context():
        operator = operators.get_operator("alice")
        assert credentials.list_personal_access_tokens(None, operator).count() == 0


def test_nobody_revokes_another_operators_token_from_my_profile(me):
    bob, _ = me.operator("bob")
    with me.app.app_context():
        token, secret = credentials.issue_personal_access_token(
            None, operators.get_operator("bob"), name="bob's"
        )
        token_id = token.id
    response = me.post(f"/console/profile/tokens/{token_id}/revoke")
    assert response.status_code == 404
    assert me.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert me.get(f"/console/profile/tokens/{token_id}/revoke").status_code == 404


def test_add_an_api_account_shown_once_and_delete_it(me, oauth_actions):
    password = _shown_once(me.post("/console/profile/api-accounts"), "idp_aap_")
    html = me.text("/console/profile/api-accounts")
    username = re.search(r"(idp_aa_[0-9a-f]+)", html).group(1)
    assert "Not yet used" in html
    assert all(password not in page for page in _pages(me))

    caller = oauth_actions.resource_server()
    answer = oauth_actions.introspect(caller, f"{username}:{password}")
    assert answer.json["active"] is True
    assert "Not yet used" not in me.text("/console/profile/api-accounts")

    assert "stops working" in me.text(
        f"/console/profile/api-accounts/{username}/delete"
    )
    assert (
        me.post(f"/console/profile/api-accounts/{username}/delete").status_code == 302
    )
    assert oauth_actions.introspect(caller, f"{username}:{password}").json == {
        "active": False
    }


def test_my_rate_limit_and_what_is_left(me, oauth_actions):
    with me.app.app_context():
        operators.update_operator(
            operators.get_operator("alice"), rate_limit="5/minute"
        )
        _, secret = credentials.issue_personal_access_token(
            None, operators.get_operator("alice"), name="x"
        )
    assert "Left now: 5." in me.text("/console/profile")
    caller = oauth_actions.resource_server()
    for _ in range(2):
        oauth_actions.introspect(caller, secret)
    html = me.text("/console/profile")
    assert "5 requests per window (5/minute)" in html and "Left now: 3." in html
    # Reading it counts nothing, and htmx's refresh gets the panel alone.
    panel = me.get("/console/profile", headers={"HX-Request": "true"})
    text = panel.get_data(as_text=True)
    assert "Left now: 3." in text and "<html" not in text


def test_profile_changes_need_the_csrf_token(me):
    assert (
        me.http.post("/console/profile/tokens", data={"name": "x"}).status_code == 400
    )
    assert me.http.post("/console/profile/api-accounts").status_code == 400
    with me.app.app_context():
        operator = operators.get_operator("alice")
        assert credentials.list_personal_access_tokens(None, operator).count() == 0
        assert credentials.list_api_accounts(None, operator).count() == 0
