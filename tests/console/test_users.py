"""Users: operators and their credentials, for each role, through the test client."""

from __future__ import annotations

import re

import pytest

from idp.accounts import operators
from idp.accounts import profiles
from idp.credentials import services as credentials

USER_PAGES = [
    ("get", "/console/users"),
    ("get", "/console/users/new"),
    ("post", "/console/users/new"),
    ("get", "/console/users/bob"),
    ("post", "/console/users/bob"),
    ("get", "/console/users/bob/tokens"),
    ("get", "/console/users/bob/tokens/1/revoke"),
    ("post", "/console/users/bob/tokens/1/revoke"),
    ("get", "/console/users/bob/api-accounts"),
    ("post", "/console/users/bob/api-accounts"),
    ("post", "/console/users/bob/api-accounts/x/delete"),
    ("get", "/console/users/robot/api-keys"),
    ("post", "/console/users/robot/api-keys"),
    ("post", "/console/users/robot/api-keys/x/revoke"),
]
SECRET = re.compile(r'id="new-secret"[^>]*value="([^"]+)"')


def secret_on(html: str) -> str:
    match = SECRET.search(html)
    assert match, html
    return match.group(1)


@pytest.fixture
def people(console):
    """bob (a plain person with a PAT), robot (an API member), boss (the owner)."""
    bob, _ = console.operator("bob")
    robot, _ = console.operator("robot", password=None, kind="api_member")
    boss, _ = console.operator("boss", is_owner=True)
    with console.app.app_context():
        for name in ("bob", "boss"):
            who = operators.get_operator(name)
            credentials.issue_personal_access_token(who, who, name=f"{name}-laptop")
    return console


@pytest.fixture
def admin(people):
    people.operator("admin", manage_users=True, manage_clients=True)
    people.sign_in("admin")
    return people


@pytest.fixture
def owner(people):
    people.sign_in("boss")
    return people


@pytest.mark.parametrize(
    "role", [{}, {"manage_clients": True}], ids=["plain", "manage_clients"]
)
def test_without_manage_users_every_user_screen_is_refused(people, role):
    people.operator(**role)
    people.sign_in()
    assert 'href="/console/users"' not in people.text("/console")
    for method, path in USER_PAGES:
        if method == "get":
            response = people.get(path)
        else:
            response = people.post(path, {"username": "eve", "profile": "x"})
        assert response.status_code == 403, (method, path)
    with people.app.app_context():
        assert operators.list_operators().count() == 4  # nobody was added


def test_a_change_without_the_csrf_token_is_refused(admin):
    response = admin.http.post(
        "/console/users/bob/api-accounts", data={"csrf_token": "forged"}
    )
    assert response.status_code == 400
    with admin.app.app_context():
        bob = operators.get_operator("bob")
        token_id = next(iter(credentials.list_personal_access_tokens(None, bob))).id
    form = {"username": "eve", "kind": "person", "profile": bob.profile.name}
    for method, path in USER_PAGES:
        path = path.replace("tokens/1/", f"tokens/{token_id}/")
        if method == "post":
            for token in ({}, {"csrf_token": "forged"}):
                answer = admin.http.post(path, data={**form, **token})
                assert answer.status_code == 400, (path, token)
    with admin.app.app_context():
        assert operators.list_operators().count() == 4  # nobody was added
        bob = operators.get_operator("bob")
        assert bob.profile.name == form["profile"] and bob.is_active
        assert credentials.list_personal_access_tokens(None, bob).count() == 1
    with admin.app.app_context():
        bob = operators.get_operator("bob")
        assert credentials.list_api_accounts(None, bob).count() == 0


def test_the_list_shows_each_operator(admin):
    html = admin.text("/console/users")
    assert 'href="/console/users"' in admin.text("/console")
    row = re.search(
        r'<th scope="row"><a href="/console/users/robot">.*?</tr>', html, re.S
    )
    assert row, html
    assert "API member" in row.group(0) and "Default (30/minute)" in row.group(0)
    assert re.search(r'/console/users/boss">boss</a>\s*<span[^>]*>Owner', html)
    assert "Last activity" in html and "No activity yet" in row.group(0)


def test_an_admin_creates_a_person_whose_generated_password_shows_once(admin):
    page = admin.text("/console/users/new")
    assert re.search(r'<select[^>]*id="profile"', page)
    with admin.app.app_context():
        staff = profiles.create_profile("staff").name
    response = admin.post(
        "/console/users/new",
        {"username": "carol", "kind": "person", "profile": staff, "rate_limit": ""},
    )
    assert response.status_code == 200
    password = secret_on(response.get_data(as_text=True))
    assert password.startswith("idp_pw_")
    # The password works, and appears on no page afterwards.
    oauth = admin.oauth
    _, client_secret = oauth.oauth_client("script")
    grant = oauth.password_grant("script", client_secret, "carol", password)
    assert grant.status_code == 200, grant.json
    # Signing in by the password grant is activity the users list dates.
    row = re.search(
        r'href="/console/users/carol">.*?</tr>', admin.text("/console/users"), re.S
    ).group(0)
    assert "No activity yet" not in row and row.count("<time") == 2
    for path in ("/console/users", "/console/users/carol"):
        assert password not in admin.text(path)
        assert password[7:17] not in admin.text(path)
    with admin.app.app_context():
        assert operators.get_operator("carol").profile.name == "staff"


def test_a_refusal_is_a_form_message(people):
    """A role with a right the admin lacks: the service refuses, the form says so."""
    with people.app.app_context():
        profiles.create_profile("superusers", manage_users=True, manage_clients=True)
    people.operator("limited", manage_users=True)
    people.sign_in("limited")
    html = people.post(
        "/console/users/new",
        {"username": "eve", "kind": "person", "profile": "superusers"},
    ).get_data(as_text=True)
    assert "You may not give a right or level you do not hold." in html
    with people.app.app_context():
        assert "eve" not in [o.username for o in operators.list_operators()]


def test_edit_changes_profile_active_and_rate_limit(admin):
    with admin.app.app_context():
        profiles.create_profile("staff")
    page = admin.text("/console/users/bob")
    assert re.search(r'id="active"[^>]*checked', page) or re.search(
        r'checked[^>]*id="active"', page
    )
    response = admin.post(
        "/console/users/bob", {"profile": "staff", "rate_limit": "120/minute"}
    )
    assert response.status_code == 302
    with admin.app.app_context():
        bob = operators.get_operator("bob")
        assert (bob.profile.name, bob.is_active, bob.rate_limit) == (
            "staff",
            False,
            "120/minute",
        )
    bad = admin.post(
        "/console/users/bob", {"profile": "staff", "active": "y", "rate_limit": "lots"}
    )
    assert bad.status_code == 200
    assert "lots" in bad.get_data(as_text=True)
    with admin.app.app_context():
        assert operators.get_operator("bob").rate_limit == "120/minute"


def test_an_admin_revokes_another_users_token_but_is_not_offered_the_owners(admin):
    bob_tokens = admin.text("/console/users/bob/tokens")
    assert "bob-laptop" in bob_tokens
    revoke = re.search(r'href="(/console/users/bob/tokens/(\d+)/revoke)"', bob_tokens)
    assert revoke, bob_tokens
    boss_tokens = admin.text("/console/users/boss/tokens")
    assert "boss-laptop" in boss_tokens
    assert "/revoke" not in boss_tokens
    assert "Only the owner revokes the owner" in boss_tokens

    assert admin.post(revoke.group(1)).status_code == 302
    assert "bob-laptop" not in admin.text("/console/users/bob/tokens")
    # Posting to the owner's token anyway: the service refuses, nothing changes.
    with admin.app.app_context():
        boss = operators.get_operator("boss")
        token_id = next(iter(credentials.list_personal_access_tokens(None, boss))).id
    refused = admin.post(f"/console/users/boss/tokens/{token_id}/revoke")
    assert refused.status_code == 302
    after = admin.text("/console/users/boss/tokens")
    assert "boss-laptop" in after
    assert "You may not revoke this operator&#39;s personal access tokens." in after


def test_the_owner_may_revoke_its_own_token_here(owner):
    html = owner.text("/console/users/boss/tokens")
    assert "boss-laptop" in html and "/revoke" in html


def test_api_management_adds_an_account_shown_once_and_used_at_introspection(admin):
    html = admin.post("/console/users/bob/api-accounts").get_data(as_text=True)
    password = secret_on(html)
    username = re.search(r'id="new-username">([^<]+)<', html).group(1)
    listing = admin.text("/console/users/bob/api-accounts")
    assert username in listing and "Not yet used" in listing
    assert password not in listing and password[-10:] not in listing

    resource = admin.oauth.resource_server()
    answer = admin.oauth.introspect(resource, f"{username}:{password}")
    assert answer.status_code == 200 and answer.json["active"] is True
    assert answer.json["username"] == "bob"
    listing = admin.text("/console/users/bob/api-accounts")
    row = re.search(rf"{username}</th>.*?</tr>", listing, re.S).group(0)
    assert "Not yet used" not in row and "<time" in row
    # The list of users shows bob's last activity: that use, as a date.
    users = admin.text("/console/users")
    bob = re.search(r'href="/console/users/bob">.*?</tr>', users, re.S).group(0)
    assert "No activity yet" not in bob and bob.count("<time") == 2


def test_api_accounts_of_the_owner_are_listed_without_add_or_delete(admin):
    with admin.app.app_context():
        boss = operators.get_operator("boss")
        credentials.create_api_account(boss, boss)
    html = admin.text("/console/users/boss/api-accounts")
    assert "Add an API account" not in html and "/delete" not in html
    refused = admin.post("/console/users/boss/api-accounts")
    assert "You may not create this operator&#39;s api accounts." in refused.get_data(
        as_text=True
    )
    with admin.app.app_context():
        boss = operators.get_operator("boss")
        assert credentials.list_api_accounts(None, boss).count() == 1


def test_an_api_member_gets_keys_shown_once_and_revoked(admin):
    assert admin.get("/console/users/bob/api-keys").status_code == 404
    html = admin.text("/console/users/robot")
    assert 'href="/console/users/robot/api-keys"' in html
    assert 'href="/console/users/robot/tokens"' not in html
    created = admin.post(
        "/console/users/robot/api-keys", {"description": "nightly sync"}
    ).get_data(as_text=True)
    public = re.search(r'id="new-public-key">([^<]+)<', created).group(1)
    private = secret_on(created)
    listing = admin.text("/console/users/robot/api-keys")
    assert "nightly sync" in listing and public in listing and "Not yet used" in listing
    assert private not in listing and private[-10:] not in listing

    resource = admin.oauth.resource_server()
    active = admin.oauth.introspect(resource, f"{public}:{private}")
    assert active.status_code == 200 and active.json["active"] is True

    revoke = f"/console/users/robot/api-keys/{public}/revoke"
    assert "stops working" in admin.text(revoke)
    assert admin.post(revoke).status_code == 302
    assert public not in admin.text("/console/users/robot/api-keys")


def test_the_users_screens_read_in_french(admin):
    admin.post("/console/language", {"locale": "fr", "next": "/console"})
    html = admin.text("/console/users")
    assert "Dernière activité" in html and "Aucune activité pour l’instant" in html
    assert "Créer un utilisateur" in html and "Last activity" not in html
    assert "Membre API" in html or "membre API" in html
    assert "Seul le titulaire modifie le titulaire." in admin.text(
        "/console/users/boss"
    )


def test_the_owner_is_shown_but_not_offered_for_editing_to_an_admin(admin):
    page = admin.text("/console/users/boss")
    assert "Only the owner changes the owner." in page
    assert re.search(r"<fieldset disabled>", page) and ">Save<" not in page
    with admin.app.app_context():
        role = {o.username: o.profile.name for o in operators.list_operators()}
    # Posting anyway: the service refuses, and the form says why.
    refused = admin.post("/console/users/boss", {"profile": role["boss"], "active": ""})
    assert refused.status_code == 200
    assert "Only the owner changes the owner or the owner&#39;s profile." in (
        refused.get_data(as_text=True)
    )
    with admin.app.app_context():
        assert operators.get_operator("boss").is_active is True
    # Its own rate limit an admin may not change either; another admin may.
    mine = admin.post(
        "/console/users/admin",
        {"profile": role["admin"], "active": "y", "rate_limit": "9999/minute"},
    )
    assert "Nobody changes its own rate limit" in mine.get_data(as_text=True)
    with admin.app.app_context():
        assert operators.get_operator("admin").rate_limit is None


def test_the_owner_edits_any_operator(owner):
    page = owner.text("/console/users/boss")
    assert "Only the owner changes the owner." not in page and ">Save<" in page
    with owner.app.app_context():
        role = operators.get_operator("bob").profile.name
    saved = owner.post("/console/users/bob", {"profile": role, "active": ""})
    assert saved.status_code == 302
    with owner.app.app_context():
        assert operators.get_operator("bob").is_active is False


def test_the_list_paginates_like_the_api(admin):
    for number in range(8):  # with admin, bob, boss and robot: 12
        admin.operator(f"user-{number:02d}")
    first = admin.text("/console/users")
    assert "Page 1 of 2" in first and "12 items" in first
    assert 'href="/console/users/user-05"' in first
    assert 'href="/console/users/user-06"' not in first
    second = admin.text("/console/users?page=2")
    assert 'href="/console/users/user-06"' in second
    assert 'href="/console/users/admin"' not in second
    every = admin.text("/console/users?page_size=100")
    assert 'href="/console/users/user-07"' in every and "Page 1 of" not in every
    assert admin.get("/console/users?page=abc&page_size=-4").status_code == 200


def test_what_the_service_refuses_on_create_is_said_on_the_form(admin):
    with admin.app.app_context():
        role = operators.get_operator("bob").profile.name
    cases = [
        ({"username": "bob", "kind": "person"}, "An operator named &#39;bob&#39;"),
        (
            {"username": "r2", "kind": "api_member", "password": "typed-secret"},
            "An API member has no password; it uses API keys.",
        ),
        ({"username": "eve", "kind": "person", "rate_limit": "lots"}, "lots"),
    ]
    for form, message in cases:
        answer = admin.post("/console/users/new", {"profile": role, **form})
        assert answer.status_code == 200, form
        html = answer.get_data(as_text=True)
        assert message in html, form
        assert "typed-secret" not in html  # a typed password is not echoed back
    with admin.app.app_context():
        names = {o.username for o in operators.list_operators()}
        assert not names & {"r2", "eve"}
