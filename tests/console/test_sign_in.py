"""Sign-in, sessions, sign-out, CSRF, headers and the language switch."""

from __future__ import annotations

import re
import time

import pytest

from idp.accounts import operators
from idp.accounts import profiles
from idp.extensions import db
from tests.console.conftest import PASSWORD
from tests.console.conftest import csrf_token

CONSOLE_PAGES = [
    "/console",
    "/console/clients",
    "/console/clients/new",
    "/console/profile",
    "/console/profile/tokens",
    "/console/profile/api-accounts",
]


def test_root_redirects_to_the_console(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.endswith("/console")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_page_needs_a_session(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/console/sign-in?next=" in response.location


def test_an_operator_signs_in_and_out(console):
    console.operator()
    response = console.sign_in()
    assert response.status_code == 302
    assert response.location.endswith("/console")
    assert "alice" in console.text("/console")

    signed_out = console.post("/console/sign-out")
    assert signed_out.status_code == 302
    assert console.get("/console").status_code == 302


def test_the_session_cookie_is_httponly_lax_and_not_secure_on_loopback(console):
    console.operator()
    response = console.sign_in()
    cookie = response.headers["Set-Cookie"]
    assert "idp_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http://localhost in the test client


def test_the_session_cookie_is_secure_off_loopback(console):
    console.operator()
    page = console.http.get("/console/sign-in", base_url="https://idp.example.com")
    response = console.http.post(
        "/console/sign-in",
        base_url="https://idp.example.com",
        # Flask-WTF checks the Referer over https, as a browser sends it.
        headers={"Referer": "https://idp.example.com/console/sign-in"},
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", "wrong"),
        ("nobody", PASSWORD),
        ("robot", PASSWORD),
        ("barred", PASSWORD),
    ],
)
def test_one_answer_for_every_failed_sign_in(console, username, password):
    """Unknown user, wrong password, API member, no api_access: the same page."""
    console.operator()
    console.operator("robot", kind="api_member", password=None)
    console.operator("barred", api_access=False)
    response = console.sign_in(username, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Invalid username or password." in html
    for name in ("nobody", "robot", "barred"):
        assert f"No operator named {name!r}" not in html
    assert console.get("/console").status_code == 302


@pytest.mark.config(LOGIN_FAILURE_LIMIT="2/minute")
def test_sign_in_is_throttled_like_the_password_grant(console):
    """After the failures the grant allows, even the right password fails."""
    console.operator()
    for _ in range(2):
        assert console.sign_in("alice", "wrong").status_code == 401
    assert console.sign_in().status_code == 401


def test_sign_in_without_csrf_token_is_refused(console):
    console.operator()
    response = console.http.post(
        "/console/sign-in", data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert console.get("/console").status_code == 302


def test_every_change_needs_the_csrf_token(console):
    console.operator(manage_clients=True)
    console.sign_in()
    for path in (
        "/console/sign-out",
        "/console/clients/new",
        "/console/profile/tokens",
        "/console/profile/api-accounts",
    ):
        response = console.http.post(path, data={"name": "x", "client_id": "x"})
        assert response.status_code == 400, path
        assert "Reload it and try again" in response.get_data(as_text=True)
    assert console.get("/console").status_code == 200  # still signed in


def test_signing_in_rotates_the_session(console):
    """A token planted before sign-in is worth nothing after it."""
    console.operator()
    before = csrf_token(console.get("/console/sign-in"))
    console.sign_in()
    assert console.token != before
    response = console.http.post("/console/sign-out", data={"csrf_token": before})
    assert response.status_code == 400


def test_next_goes_only_to_this_console(console):
    console.operator()
    page = console.get("/console/sign-in")
    for target, expected in (
        ("/console/profile", "/console/profile"),
        ("https://evil.example/", "/console"),
        ("//evil.example/", "/console"),
    ):
        console.http.get("/console/sign-in")
        response = console.http.post(
            f"/console/sign-in?next={target}",
            data={
                "username": "alice",
                "password": PASSWORD,
                "csrf_token": csrf_token(page),
            },
        )
        assert response.status_code == 302
        assert response.location == expected, target
        console.http.post(
            "/console/sign-out",
            data={"csrf_token": csrf_token(console.get("/console"))},
        )
        page = console.get("/console/sign-in")


@pytest.mark.parametrize("change", ["deactivate", "remove_api_access", "delete"])
def test_losing_the_right_to_sign_in_ends_the_session(console, change):
    console.operator()
    console.sign_in()
    assert console.get("/console").status_code == 200
    with console.app.app_context():
        operator = operators.get_operator("alice")
        if change == "deactivate":
            operators.update_operator(operator, is_active=False)
        elif change == "remove_api_access":
            profiles.update_profile(operator.profile, api_access=False)
        else:
            db.session.delete(operator)
            db.session.commit()
    response = console.get("/console")
    assert response.status_code == 302
    assert "/console/sign-in" in response.location


@pytest.mark.config(CONSOLE_IDLE_MINUTES=1)
def test_an_idle_session_ends(console, monkeypatch):
    console.operator()
    console.sign_in()
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert console.get("/console").status_code == 302


@pytest.mark.config(CONSOLE_SESSION_HOURS=1, CONSOLE_IDLE_MINUTES=60)
def test_a_busy_session_still_ends_after_its_hours(console, monkeypatch):
    console.operator()
    console.sign_in()
    start = time.time()
    for minutes in (50, 100):  # never idle for an hour, but past the limit
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        status = console.get("/console").status_code
    assert status == 302


@pytest.mark.parametrize("path", ["/console/sign-in", *CONSOLE_PAGES])
def test_every_page_forbids_inline_code_and_framing(console, path):
    console.operator(manage_clients=True)
    if path != "/console/sign-in":
        console.sign_in()
    response = console.get(path)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no onclick= and the like
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith(("/", "#")) for source in sources), sources


def test_only_the_sections_the_operator_may_use_are_offered(console):
    console.operator()
    console.sign_in()
    html = console.text("/console")
    assert "/console/profile" in html
    assert "/console/clients" not in html
    assert console.get("/console/clients").status_code == 403


def test_the_language_follows_the_browser_and_the_switch(console):
    console.operator()
    page = console.get(
        "/console/sign-in", headers={"Accept-Language": "fr-CA,fr;q=0.9"}
    )
    assert "Se connecter" in page.get_data(as_text=True)
    assert 'lang="fr"' in page.get_data(as_text=True)
    console.sign_in()
    assert "Mon profil" not in console.text("/console")  # English by default
    console.post("/console/language", {"locale": "fr", "next": "/console"})
    html = console.text("/console")
    assert "Mon profil" in html and "Se déconnecter" in html
    console.post("/console/language", {"locale": "en", "next": "/console"})
    assert "My profile" in console.text("/console")


def test_the_french_catalogue_is_complete_and_compiled():
    """Every console string has a French translation, and the .mo says the same."""
    import os

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    import idp.console

    folder = os.path.join(
        os.path.dirname(idp.console.__file__), "translations", "fr", "LC_MESSAGES"
    )
    with open(os.path.join(folder, "messages.po"), "rb") as file:
        po = read_po(file)
    with open(os.path.join(folder, "messages.mo"), "rb") as file:
        mo = read_mo(file)

    def messages(catalog) -> dict:
        def text(value) -> tuple:
            return (value,) if isinstance(value, str) else tuple(value)

        return {text(m.id): text(m.string) for m in catalog if m.id}

    translated = messages(po)
    assert all(all(v) for v in translated.values()), translated
    assert translated == messages(mo)


def test_the_home_page_gives_curl_lines_for_this_server(console):
    console.operator()
    console.sign_in()
    html = console.text("/console")
    assert "curl -X POST http://localhost/oauth/token" in html
    assert "grant_type=password&amp;scope=public-api&amp;username=alice" in html
    assert "grant_type=refresh_token&amp;refresh_token=REFRESH_TOKEN" in html


def test_vendored_htmx_is_the_pinned_file(client):
    """The VENDORED note says which htmx this is; the file must still be it."""
    import hashlib
    import os

    import idp.console

    static = os.path.join(os.path.dirname(idp.console.__file__), "static")
    with open(os.path.join(static, "VENDORED")) as file:
        note = file.read()
    with open(os.path.join(static, "htmx.min.js"), "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    assert f"sha256 {digest}" in note
    served = client.get("/console/static/htmx.min.js")
    assert served.status_code == 200
    served.close()
