"""Every issued secret ends in a checksum: a mistyped or invented one is refused
before any lookup; secrets issued before checksums keep working while allowed."""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import event

from idp.credentials.models import OAuthToken
from idp.extensions import db
from idp.security import SecretKind
from idp.security import generate_secret
from idp.security import is_well_formed
from idp.security import token_digest

SCANNER = re.compile(r"idp_[a-z]{2,3}_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")


@pytest.fixture
def statements(app):
    """SQL statements the app runs from now on."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_every_kind_carries_a_checksum_a_scanner_can_check(app):
    with app.app_context():
        for kind in SecretKind:
            secret = generate_secret(kind)
            assert SCANNER.fullmatch(secret)
            assert is_well_formed(secret, kind)
            mistyped = secret[:20] + ("A" if secret[20] != "A" else "B") + secret[21:]
            assert not is_well_formed(mistyped, kind)
            assert not is_well_formed(secret[:-1], kind)


def test_a_token_with_a_wrong_checksum_costs_no_token_lookup(oauth_actions, statements):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, login["access_token"]).json["active"]
    token = login["access_token"]
    invented = token[:-6] + ("000000" if token[-6:] != "000000" else "000001")
    statements.clear()

    assert oauth_actions.introspect(caller, invented).json == {"active": False}

    assert not [s for s in statements if "oauth_tokens" in s]


def _legacy_token(app, oauth_actions) -> str:
    """A token as issued before checksums: 43 characters after the prefix."""
    oauth_actions.login()
    legacy = "idp_at_" + secrets.token_urlsafe(32)
    with app.app_context():
        row = db.session.scalar(db.select(OAuthToken))
        row.access_token_digest = token_digest(legacy)
        db.session.commit()
    return legacy


def test_a_secret_issued_before_checksums_keeps_working(app, oauth_actions):
    legacy = _legacy_token(app, oauth_actions)
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, legacy).json["active"] is True


@pytest.mark.config(ACCEPT_UNCHECKSUMMED_SECRETS=False)
def test_unchecksummed_secrets_are_refused_once_turned_off(app, oauth_actions):
    legacy = _legacy_token(app, oauth_actions)
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, legacy).json == {"active": False}
