"""idp.security: secret formats, digests, and argon2 hashes rehashed on login."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask import Flask

from idp.accounts.models import Operator
from idp.credentials.models import OAuthClient
from idp.extensions import db
from idp.security import SecretKind
from idp.security import constant_time_equals
from idp.security import derived_key
from idp.security import generate_secret
from idp.security import hash_password
from idp.security import is_well_formed
from idp.security import keyed_digest
from idp.security import token_digest
from idp.security import verify_password
from tests.conftest import OAuthActions

#: Parameters other than the test profile's: a hash made before a change of them.
OLD_HASHER = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1)


@pytest.mark.parametrize("kind", list(SecretKind))
def test_a_generated_secret_is_well_formed_for_its_kind_only(
    app: Flask, kind: SecretKind
) -> None:
    secret = generate_secret(kind)
    with app.app_context():
        assert is_well_formed(secret, kind)
        assert not any(is_well_formed(secret, k) for k in SecretKind if k != kind)
        # One changed character breaks the checksum (or the body) offline.
        changed = secret[:-1] + ("A" if secret[-1] != "A" else "B")
        assert not is_well_formed(changed, kind)


def test_digests_and_keys_are_stable_and_apart() -> None:
    assert token_digest("idp_at_x") == token_digest("idp_at_x")
    assert token_digest("idp_at_x") != token_digest("idp_at_y")
    assert len(token_digest("idp_at_x")) == 64
    assert keyed_digest("a") == keyed_digest("a") != keyed_digest("b")
    assert derived_key("k", "one") == derived_key("k", "one")
    assert derived_key("k", "one") != derived_key("k", "two")
    assert constant_time_equals("abc", b"abc") and not constant_time_equals("a", "b")


def test_verify_password_answers_and_asks_for_a_rehash_when_parameters_changed(
    app: Flask,
) -> None:
    with app.app_context():
        current = hash_password("pw")
        assert verify_password(current, "pw") == (True, None)
        assert verify_password(current, "nope") == (False, None)
        assert verify_password(None, "pw") == (False, None)
        ok, new_hash = verify_password(OLD_HASHER.hash("pw"), "pw")
        assert ok and new_hash and verify_password(new_hash, "pw") == (True, None)
        assert verify_password("not a hash", "pw") == (False, None)


def alice(app: Flask, oauth_actions: OAuthActions) -> tuple[int, str]:
    """A person who may use the password grant: (id, password)."""
    return oauth_actions.operator("alice")


def test_an_operator_hash_is_rehashed_on_login(
    app: Flask, oauth_actions: OAuthActions
) -> None:
    """A hash under old argon2 parameters is replaced at the next good password."""
    _, secret = oauth_actions.oauth_client()
    operator_id, password = alice(app, oauth_actions)
    old = OLD_HASHER.hash(password)
    with app.app_context():
        db.session.get(Operator, operator_id).password_hash = old
        db.session.commit()

    first = oauth_actions.password_grant("script", secret, "alice", password)

    assert first.status_code == 200, first.json
    with app.app_context():
        new = db.session.get(Operator, operator_id).password_hash
        assert new != old
        assert verify_password(new, password) == (True, None)
    again = oauth_actions.password_grant("script", secret, "alice", password)
    assert again.status_code == 200, again.json


def test_a_client_secret_hash_is_rehashed_on_authentication(
    app: Flask, oauth_actions: OAuthActions
) -> None:
    client_id, secret = oauth_actions.oauth_client()
    _, password = alice(app, oauth_actions)
    old = OLD_HASHER.hash(secret)
    with app.app_context():
        db.session.get(OAuthClient, client_id).secret_hash = old
        db.session.commit()

    first = oauth_actions.password_grant("script", secret, "alice", password)

    assert first.status_code == 200, first.json
    with app.app_context():
        new = db.session.get(OAuthClient, client_id).secret_hash
        assert new != old
        assert verify_password(new, secret) == (True, None)
    again = oauth_actions.password_grant("script", secret, "alice", password)
    assert again.status_code == 200, again.json


def test_a_wrong_password_never_rewrites_the_hash(
    app: Flask, oauth_actions: OAuthActions
) -> None:
    _, secret = oauth_actions.oauth_client()
    operator_id, password = alice(app, oauth_actions)
    old = OLD_HASHER.hash(password)
    with app.app_context():
        db.session.get(Operator, operator_id).password_hash = old
        db.session.commit()

    refused = oauth_actions.password_grant("script", secret, "alice", "wrong")

    assert refused.json == {
        "error": "invalid_grant",
        "error_description": "Invalid username or password.",
    }
    with app.app_context():
        assert db.session.get(Operator, operator_id).password_hash == old
