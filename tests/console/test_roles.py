"""Security roles: the profiles screens and the modules, for each role."""

from __future__ import annotations

import re

import pytest

from idp.accounts import modules
from idp.accounts import operators
from idp.accounts import profiles
from idp.accounts.modules import declared_modules
from tests.conftest import basic

MODULES = ["companies", "tickets"]
NONE = {"add": "none", "edit": "none", "delete": "none", "inquire": "none"}
ROLE_PAGES = [
    ("get", "/console/roles"),
    ("get", "/console/roles/new"),
    ("post", "/console/roles/new"),
    ("get", "/console/roles/staff/edit"),
    ("post", "/console/roles/staff/edit"),
    ("get", "/console/roles/modules"),
    ("post", "/console/roles/modules"),
    ("get", "/console/roles/modules/tickets/delete"),
    ("post", "/console/roles/modules/tickets/delete"),
]


def grid(**levels: dict[str, str]) -> dict[str, str]:
    """The form fields of the module grid: every module at none unless given."""
    fields = {}
    for module in MODULES:
        for action, level in {**NONE, **levels.get(module, {})}.items():
            fields[f"{module}:{action}"] = level
    return fields


def rights_of(app, name: str) -> dict:
    with app.app_context():
        return profiles.get_profile(name).permissions(declared_modules())


def give_levels(app, username: str, **levels) -> None:
    """Module levels for ``username``'s profile, set at the command line."""
    with app.app_context():
        profile = operators.get_operator(username).profile
        profiles.update_profile(profile, modules=levels)


@pytest.fixture
def staff(app):
    with app.app_context():
        profiles.create_profile("staff")


@pytest.fixture
def owner(console):
    console.operator("boss", is_owner=True)
    console.sign_in("boss")
    return console


@pytest.fixture
def users_admin(console):
    """manage_users, and `inquire: own` on tickets; nothing else."""
    console.operator("admin", manage_users=True)
    give_levels(console.app, "admin", tickets={"inquire": "own"})
    console.sign_in("admin")
    return console


@pytest.mark.config(MODULES=MODULES)
@pytest.mark.parametrize(
    "role",
    [{}, {"manage_clients": True}],
    ids=["plain", "manage_clients"],
)
def test_without_manage_users_every_role_screen_is_refused(console, staff, role):
    console.operator(**role)
    console.sign_in()
    assert "/console/roles" not in console.text("/console")
    for method, path in ROLE_PAGES:
        if method == "get":
            response = console.get(path)
        else:
            response = console.post(path, {"name": "x", **grid(tickets={"add": "all"})})
        assert response.status_code == 403, (method, path)
    assert rights_of(console.app, "staff")["modules"]["tickets"] == NONE
    with console.app.app_context():
        assert declared_modules() == ("companies", "tickets")


@pytest.mark.config(MODULES=MODULES)
def test_the_list_shows_every_role_with_its_rights(users_admin, staff):
    html = users_admin.text("/console")
    assert 'href="/console/roles"' in html
    html = users_admin.text("/console/roles")
    row = re.search(r"<tr>\s*<th scope=\"row\">staff</th>.*?</tr>", html, re.S)
    assert row, html
    assert re.findall(r"<td>(Yes|No)</td>", row.group(0)) == ["Yes", "No", "No"]
    assert 'href="/console/roles/staff/edit"' in html
    assert 'href="/console/roles/modules"' in html


@pytest.mark.config(MODULES=MODULES)
def test_a_new_role_starts_every_level_at_none(owner):
    html = owner.text("/console/roles/new")
    for module in MODULES:
        for action in NONE:
            select = re.search(
                rf'<select[^>]*id="{module}:{action}"[^>]*>(.*?)</select>', html, re.S
            )
            assert select, (module, action)
            assert re.search(r'<option selected value="none">', select.group(1))
    assert '<label class="visually-hidden" for="tickets:inquire">tickets: Inquire' in (
        html
    )


@pytest.mark.config(MODULES=MODULES)
def test_the_owner_creates_a_role_and_its_operators_see_it_at_introspection(owner):
    response = owner.post(
        "/console/roles/new",
        {
            "name": "support",
            "api_access": "y",
            "manage_clients": "y",
            **grid(tickets={"add": "own", "inquire": "all"}),
        },
    )

    assert response.status_code == 302
    assert "Role support created." in owner.text("/console/roles")
    rights = rights_of(owner.app, "support")
    assert rights["manage_clients"] is True and rights["manage_users"] is False
    assert rights["modules"] == {
        "companies": NONE,
        "tickets": {**NONE, "add": "own", "inquire": "all"},
    }
    with owner.app.app_context():
        operators.create_operator(
            "carol", profile=profiles.get_profile("support"), password="pw"
        )
    caller = owner.oauth.resource_server()
    token = owner.oauth.login()["access_token"]  # alice's, of another profile
    assert owner.oauth.introspect(caller, token).json["active"] is True
    _, secret = owner.oauth.oauth_client("carol-script")
    carol = owner.oauth.password_grant("carol-script", secret, "carol", "pw").json
    answer = owner.oauth.introspect(caller, carol["access_token"]).json
    assert answer["permissions"]["modules"]["tickets"]["inquire"] == "all"


@pytest.mark.config(MODULES=MODULES)
def test_editing_shows_the_current_levels_and_saves_new_ones(owner, staff):
    with owner.app.app_context():
        profiles.update_profile(
            profiles.get_profile("staff"), modules={"companies": {"edit": "own"}}
        )
    html = owner.text("/console/roles/staff/edit")
    select = re.search(r'id="companies:edit"[^>]*>(.*?)</select>', html, re.S)
    assert '<option selected value="own">' in select.group(1)
    assert re.search(r'<input [^>]*checked[^>]*id="api_access"', html), html

    response = owner.post(
        "/console/roles/staff/edit",
        {"manage_users": "y", **grid(tickets={"delete": "all"})},
    )

    assert response.status_code == 302
    rights = rights_of(owner.app, "staff")
    assert rights["api_access"] is False  # unticked
    assert rights["manage_users"] is True
    assert rights["modules"] == {
        "companies": NONE,
        "tickets": {**NONE, "delete": "all"},
    }


@pytest.mark.config(MODULES=MODULES)
@pytest.mark.parametrize(
    "change",
    [
        {"manage_clients": "y"},
        grid(tickets={"inquire": "all"}),
        grid(companies={"add": "own"}),
    ],
    ids=["right", "wider-level", "level-on-another-module"],
)
def test_an_admin_cannot_give_what_it_does_not_hold(users_admin, staff, change):
    """The services' refusal is the form's message; nothing changes."""
    before = rights_of(users_admin.app, "staff")
    for path, data in (
        ("/console/roles/staff/edit", {"api_access": "y", **grid(), **change}),
        (
            "/console/roles/new",
            {"name": "support", "api_access": "y", **grid(), **change},
        ),
    ):
        response = users_admin.post(path, data)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "You may not give a right or level you do not hold." in html, html
    assert rights_of(users_admin.app, "staff") == before
    with users_admin.app.app_context():
        assert "support" not in [p.name for p in profiles.list_profiles()]


@pytest.mark.config(MODULES=MODULES)
def test_an_admin_gives_what_it_holds(users_admin, staff):
    response = users_admin.post(
        "/console/roles/staff/edit",
        {"api_access": "y", **grid(tickets={"inquire": "own"})},
    )
    assert response.status_code == 302
    assert rights_of(users_admin.app, "staff")["modules"]["tickets"]["inquire"] == (
        "own"
    )


@pytest.mark.config(MODULES=MODULES)
def test_only_the_owner_changes_the_owners_role(console):
    console.operator("boss", is_owner=True)
    console.operator("admin", manage_users=True)
    console.sign_in("admin")
    with console.app.app_context():
        role = operators.get_operator("boss").profile.name

    response = console.post(f"/console/roles/{role}/edit", {"api_access": "", **grid()})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Only the owner changes the owner or the owner&#39;s profile." in html
    assert rights_of(console.app, role)["api_access"] is True


@pytest.mark.config(MODULES=MODULES)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "bad/name"}, "A profile name is made of"),
        ({"name": ""}, "This field is required."),
        ({"name": "staff"}, "already exists"),
        ({"name": "x", "tickets:add": "most"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_a_form_message(owner, staff, data, message):
    response = owner.post("/console/roles/new", {**grid(), "api_access": "y", **data})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with owner.app.app_context():
        assert [p.name for p in profiles.list_profiles()] == [
            "profile-1",
            "staff",
        ]


@pytest.mark.config(MODULES=MODULES)
def test_unknown_role_is_404(owner):
    assert owner.get("/console/roles/nope/edit").status_code == 404
    assert owner.post("/console/roles/nope/edit", grid()).status_code == 404


@pytest.mark.config(MODULES=MODULES)
def test_role_and_module_changes_need_the_csrf_token(owner, staff):
    for path, data in (
        ("/console/roles/new", {"name": "support", **grid()}),
        ("/console/roles/staff/edit", {"manage_users": "y", **grid()}),
        ("/console/roles/modules", {"name": "billing"}),
        ("/console/roles/modules/tickets/delete", {}),
    ):
        response = owner.http.post(path, data=data)
        assert response.status_code == 400, path
    assert rights_of(owner.app, "staff")["manage_users"] is False
    with owner.app.app_context():
        assert declared_modules() == ("companies", "tickets")
        assert "support" not in [p.name for p in profiles.list_profiles()]


# -- modules -------------------------------------------------------------------


def test_an_admin_adds_and_deletes_modules(console, staff):
    console.operator("admin", manage_users=True)
    console.sign_in("admin")
    users_admin = console
    assert "No module yet." in users_admin.text("/console/roles/modules")
    assert "No module is declared yet." in users_admin.text("/console/roles/new")

    response = users_admin.post("/console/roles/modules", {"name": "billing"})

    assert response.status_code == 302
    html = users_admin.text("/console/roles/modules")
    assert "Module billing added." in html
    assert '<th scope="row" class="font-monospace">billing</th>' in html
    assert 'id="billing:add"' in users_admin.text("/console/roles/new")
    confirm = users_admin.text("/console/roles/modules/billing/delete")
    assert "Delete the module billing" in confirm
    assert users_admin.post("/console/roles/modules/billing/delete").status_code == 302
    assert "Module billing deleted." in users_admin.text("/console/roles/modules")
    with users_admin.app.app_context():
        assert declared_modules() == ()


@pytest.mark.config(MODULES=MODULES)
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("tickets", "A module named &#39;tickets&#39; already exists."),
        ("a b", "A module name is made of letters, digits"),
        ("", "This field is required."),
    ],
)
def test_a_bad_module_name_is_a_form_message(owner, name, message):
    response = owner.post("/console/roles/modules", {"name": name})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with owner.app.app_context():
        assert declared_modules() == ("companies", "tickets")


@pytest.mark.config(MODULES=MODULES)
def test_a_module_in_use_is_not_deleted_and_the_page_says_why(owner, staff):
    with owner.app.app_context():
        profiles.update_profile(
            profiles.get_profile("staff"), modules={"tickets": {"add": "own"}}
        )

    response = owner.post("/console/roles/modules/tickets/delete")

    assert response.status_code == 302
    html = owner.text("/console/roles/modules")
    assert "used by the profiles staff" in html
    with owner.app.app_context():
        assert "tickets" in declared_modules()
    assert owner.get("/console/roles/modules/nope/delete").status_code == 404
    assert owner.post("/console/roles/modules/nope/delete").status_code == 404


@pytest.mark.config(MODULES=MODULES)
def test_a_module_added_in_the_console_reaches_introspection(owner):
    caller = owner.oauth.resource_server()
    token = owner.oauth.login()["access_token"]
    first = owner.oauth.introspect(caller, token).json["permissions"]["modules"]
    assert set(first) == {"companies", "tickets"}

    owner.post("/console/roles/modules", {"name": "billing"})

    answer = owner.http.post(
        "/oauth/introspect", data={"token": token}, headers=basic(*caller)
    ).json
    assert answer["permissions"]["modules"]["billing"] == NONE
    with owner.app.app_context():
        modules.delete_module(None, "billing")


@pytest.mark.config(MODULES=MODULES)
def test_the_role_screens_speak_french(owner, staff):
    owner.post("/console/language", {"locale": "fr", "next": "/console"})
    assert "Rôles de sécurité" in owner.text("/console/roles")
    html = owner.text("/console/roles/staff/edit")
    assert "Modifier le rôle staff" in html
    assert "tickets : Consulter" in html
    assert '<option value="own">Les siens</option>' in html
    assert "Ajouter un module" in owner.text("/console/roles/modules")


@pytest.mark.config(MODULES=MODULES)
@pytest.mark.parametrize(
    "path",
    [
        "/console/roles",
        "/console/roles/new",
        "/console/roles/staff/edit",
        "/console/roles/modules",
        "/console/roles/modules/tickets/delete",
    ],
)
def test_every_role_page_is_labelled_and_has_no_inline_code(owner, staff, path):
    response = owner.get(path)
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html)
    controls = re.findall(r'<(?:select|input)[^>]*\sid="([^"]+)"', html)
    labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', html))
    assert set(controls) - {"csrf_token"} <= labelled


@pytest.mark.parametrize(("method", "path"), ROLE_PAGES)
def test_every_role_page_needs_a_session(client, method, path):
    response = getattr(client, method)(path)
    if method == "post":
        assert response.status_code == 400  # no CSRF token, and no session
    else:
        assert response.status_code == 302
        assert "/console/sign-in?next=" in response.location


def test_the_roles_list_paginates_like_the_api(owner):
    with owner.app.app_context():
        for number in range(11):
            profiles.create_profile(f"role-{number:02d}")
    first = owner.text("/console/roles")  # the owner's own profile makes 12
    assert "role-08" in first and "role-09" not in first
    assert "Page 1 of 2" in first and "12 items" in first
    second = owner.text("/console/roles?page=2")
    assert "role-10" in second and "role-00" not in second
