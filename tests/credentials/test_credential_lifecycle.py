"""Every credential kind: create, use at introspection, count, list, revoke."""

from __future__ import annotations

import time

import pytest

from idp.accounts import operators
from idp.accounts import profiles
from idp.credentials import services
from idp.credentials.models import OAuthToken
from idp.extensions import db
from idp.oauth import tokens as oauth_tokens


def _oauth_access_token(actions):
    login = actions.password_grant(
        "script", actions.script_secret, "alice", "correct horse"
    ).json
    return login["access_token"], "alice"


def _personal_access_token(actions):
    return actions.pat()[1], "alice"


def _api_account(actions):
    username, password = actions.api_account()
    return f"{username}:{password}", "alice"


def _api_key(actions):
    public_key, private_key = actions.api_key()
    return f"{public_key}:{private_key}", "robot"


KINDS = {
    "oauth_access_token": _oauth_access_token,
    "personal_access_token": _personal_access_token,
    "api_account": _api_account,
    "api_key": _api_key,
}


def _listing(app, kind: str, username: str) -> list:
    """What the operator's listing shows of this kind, as (id, last_used_at)."""
    with app.app_context():
        operator = operators.get_operator(username)
        if kind == "oauth_access_token":
            rows = db.session.scalars(
                db.select(OAuthToken).filter_by(operator_id=operator.id)
            )
        elif kind == "personal_access_token":
            rows = services.list_personal_access_tokens(None, operator)
        elif kind == "api_account":
            rows = services.list_api_accounts(None, operator)
        else:
            rows = services.list_api_keys(None, operator)
        return [
            (
                row.id,
                getattr(row, "created_at", None) or row.issued_at,
                row.last_used_at,
            )
            for row in rows
        ]


def _revoke(app, kind: str, username: str, token: str) -> None:
    with app.app_context():
        operator = operators.get_operator(username)
        if kind == "oauth_access_token":
            oauth_tokens.revoke_token(*oauth_tokens.find_token(token))
        elif kind == "personal_access_token":
            (token_id,) = [
                t.id for t in services.list_personal_access_tokens(None, operator)
            ]
            services.revoke_personal_access_token(None, operator, token_id)
        elif kind == "api_account":
            services.delete_api_account(None, operator, token.split(":")[0])
        else:
            services.revoke_api_key(None, operator, token.split(":")[0])


@pytest.fixture
def actions(credential_actions, oauth_actions):
    _, credential_actions.script_secret = oauth_actions.oauth_client()
    return credential_actions


@pytest.mark.parametrize("kind", KINDS)
def test_credential_lifecycle(app, actions, resource_server, kind):
    """Create, introspect, count, list with created/last used, revoke, inactive."""
    token, username = KINDS[kind](actions)
    [(_, created_at, last_used_at)] = _listing(app, kind, username)
    assert created_at is not None
    assert last_used_at is None  # "never used" until it is

    response = actions.introspect(resource_server, token)
    body = response.json
    assert body["active"] is True
    assert body["credential"] == kind
    assert body["username"] == username
    assert body["scope"] == "public-api"
    assert body["rate_limit"]["remaining"] == 29
    assert response.headers["RateLimit-Remaining"] == "29"
    [(_, _, last_used_at)] = _listing(app, kind, username)
    assert last_used_at is not None

    _revoke(app, kind, username, token)
    assert actions.introspect(resource_server, token).json == {"active": False}


def test_every_kind_counts_against_one_limit(actions, resource_server):
    """Tokens, PATs and API accounts of one operator share its rate limit."""
    credentials = [KINDS[kind](actions)[0] for kind in KINDS if kind != "api_key"]
    remaining = [
        actions.introspect(resource_server, token).json["rate_limit"]["remaining"]
        for token in credentials
    ]
    assert remaining == [29, 28, 27]


def test_personal_access_token_answer(app, actions, resource_server):
    """A PAT is a bearer token without a client, and with its expiry if it has one."""
    _, token = actions.pat(expires_in=3600)
    body = actions.introspect(resource_server, token).json
    assert body["token_type"] == "Bearer"
    assert "client_id" not in body
    assert body["exp"] == body["iat"] + 3600


def test_api_key_answer_carries_member_permissions(app, actions, resource_server):
    """An API key speaks for its member, with the member's profile rights."""
    public_key, private_key = actions.api_key()
    body = actions.introspect(resource_server, f"{public_key}:{private_key}").json
    assert body["credential"] == "api_key"
    assert body["username"] == "robot"
    assert body["permissions"]["api_access"] is True
    assert "token_type" not in body


def _other_last(text: str) -> str:
    """``text`` with a different last character (hex and base64url alike)."""
    return text[:-1] + ("b" if text[-1] == "a" else "a")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda user, secret: f"{user}:{_other_last(secret)}",
        lambda user, secret: f"{_other_last(user)}:{secret}",
        lambda user, secret: f"{user}{secret}",
        lambda user, secret: secret,
    ],
    ids=["wrong-secret", "wrong-name", "no-colon", "secret-alone"],
)
@pytest.mark.parametrize("kind", ["api_account", "api_key"])
def test_wrong_pairs_are_inactive(actions, resource_server, kind, mangle):
    """RFC 7662 §2.2: a pair that does not match is simply not active."""
    user, _, secret = KINDS[kind](actions)[0].partition(":")
    body = actions.introspect(resource_server, mangle(user, secret)).json
    assert body == {"active": False}


def test_expired_personal_access_token_is_inactive(app, actions, resource_server):
    """A PAT past its expiry stops working."""
    token_id, token = actions.pat(expires_in=1)
    time.sleep(2.05)
    assert actions.introspect(resource_server, token).json == {"active": False}


@pytest.mark.parametrize("kind", KINDS)
def test_operator_without_api_access_has_no_working_credential(
    app, actions, resource_server, kind
):
    """Without api_access no credential of the operator works, at once."""
    token, username = KINDS[kind](actions)
    assert actions.introspect(resource_server, token).json["active"] is True
    with app.app_context():
        profile = operators.get_operator(username).profile
        profiles.update_profile(profile, api_access=False)
    assert actions.introspect(resource_server, token).json == {"active": False}


@pytest.mark.parametrize("kind", KINDS)
def test_deactivated_operator_has_no_working_credential(
    app, actions, resource_server, kind
):
    """A deactivated operator's credentials stop working at the next introspection."""
    token, username = KINDS[kind](actions)
    assert actions.introspect(resource_server, token).json["active"] is True
    with app.app_context():
        operators.update_operator(operators.get_operator(username), is_active=False)
    assert actions.introspect(resource_server, token).json == {"active": False}


def test_secrets_are_stored_only_as_digests(app, actions):
    """No column of any table holds a secret in clear."""
    secrets = [
        actions.pat()[1],
        *actions.api_account(),
        *actions.api_key(),
    ]
    with app.app_context():
        dump = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                dump.extend(str(value) for value in row)
    text = "\n".join(dump)
    for secret in secrets:
        if secret.startswith(("idp_aa_", "idp_pk_")):
            continue  # the public halves are identifiers, not secrets
        assert secret not in text
