"""Rights and sequences of changes: nobody gains or ends more than it may."""

from __future__ import annotations

import pytest

from tests.admin.conftest import AdminActions
from tests.admin.conftest import bearer


@pytest.fixture
def admin(oauth_actions):
    return AdminActions(oauth_actions)


def _owner_login(oauth_actions):
    oauth_actions.operator("owner", is_owner=True)
    _, secret = oauth_actions.oauth_client("script")
    login = oauth_actions.password_grant("script", secret, "owner", "correct horse")
    assert login.status_code == 200
    return login.json


@pytest.mark.parametrize("how", ["delete", "rotate"])
def test_a_clients_admin_cannot_end_the_owners_logins(oauth_actions, admin, how):
    login = _owner_login(oauth_actions)
    clients_admin = admin.login("clients-admin", manage_clients=True)
    rs = oauth_actions.resource_server()
    if how == "delete":
        response = oauth_actions.http.delete(
            "/api/v1/clients/script", headers=clients_admin
        )
    else:
        response = oauth_actions.http.post(
            "/api/v1/clients/script/rotate-secret", headers=clients_admin
        )
    assert response.status_code == 403, response.json
    assert "owner" in response.json["detail"]
    assert oauth_actions.introspect(rs, login["access_token"]).json["active"] is True
    # A client the owner does not use is the admin's to delete.
    oauth_actions.oauth_client("other")
    response = oauth_actions.http.delete("/api/v1/clients/other", headers=clients_admin)
    assert response.status_code == 204


def test_the_owner_may_end_its_own_logins(oauth_actions, admin):
    _owner_login(oauth_actions)
    owner = bearer(admin.oauth.pat("owner")[1])
    response = oauth_actions.http.delete("/api/v1/clients/script", headers=owner)
    assert response.status_code == 204


def test_nobody_raises_its_own_rate_limit(oauth_actions, admin):
    users_admin = admin.login("users-admin", manage_users=True)
    other_admin = admin.login("other-admin", manage_users=True)
    response = oauth_actions.http.patch(
        "/api/v1/operators/users-admin",
        json={"rate_limit": "100000/minute"},
        headers=users_admin,
    )
    assert response.status_code == 403, response.json
    response = oauth_actions.http.patch(
        "/api/v1/operators/users-admin",
        json={"rate_limit": "100/minute"},
        headers=other_admin,
    )
    assert response.status_code == 200, response.json


def test_reactivation_does_not_revive_earlier_credentials(oauth_actions, admin, runner):
    """Deactivation ends every credential; reactivation starts with none."""
    admin.operator("alice")
    admin.operator("robot", kind="api_member")
    rs = oauth_actions.resource_server()
    _, secret = oauth_actions.oauth_client("script")
    login = oauth_actions.password_grant(
        "script", secret, "alice", "correct horse"
    ).json
    pat = admin.oauth.pat("alice")[1]
    account = ":".join(admin.oauth.api_account("alice"))
    key = ":".join(admin.oauth.api_key("robot"))
    tokens = [login["access_token"], login["refresh_token"], pat, account, key]
    for token in tokens:
        assert oauth_actions.introspect(rs, token).json["active"] is True
    for username in ("alice", "robot"):
        for flag in ("--inactive", "--active"):
            result = runner.invoke(args=["operator", "set", username, flag])
            assert result.exit_code == 0, result.output
    for token in tokens:
        assert oauth_actions.introspect(rs, token).json == {"active": False}, token
    fresh = oauth_actions.password_grant("script", secret, "alice", "correct horse")
    assert fresh.status_code == 200


def test_raised_rights_end_credentials_their_maker_could_not_make(oauth_actions, admin):
    """Strip a right, make an API account, restore the right: the account ends.

    A credential is re-checked when its operator's rights are raised: one made
    by an admin who could not make it now stops working; ones the operator made
    itself, or the idp command made, stay.
    """
    owner = admin.login("owner", is_owner=True)
    users_admin = admin.login("users-admin", manage_users=True)
    http = oauth_actions.http
    assert (
        http.post(
            "/api/v1/profiles",
            json={"name": "builders", "manage_clients": True},
            headers=owner,
        ).status_code
        == 201
    )
    assert (
        http.post(
            "/api/v1/operators",
            json={"username": "carol", "profile": "builders", "password": "pw-carol-1"},
            headers=owner,
        ).status_code
        == 201
    )
    own = ":".join(admin.oauth.api_account("carol"))  # made by the idp command
    stripped = http.patch(
        "/api/v1/profiles/builders", json={"manage_clients": False}, headers=users_admin
    )
    assert stripped.status_code == 200, stripped.json
    made = http.post("/api/v1/operators/carol/api-accounts", headers=users_admin)
    assert made.status_code == 201, made.json
    lent = f"{made.json['username']}:{made.json['password']}"
    rs = oauth_actions.resource_server()
    assert oauth_actions.introspect(rs, lent).json["active"] is True
    restored = http.patch(
        "/api/v1/profiles/builders", json={"manage_clients": True}, headers=owner
    )
    assert restored.status_code == 200
    assert oauth_actions.introspect(rs, lent).json == {"active": False}
    still = oauth_actions.introspect(rs, own).json
    assert still["active"] is True
    assert still["permissions"]["manage_clients"] is True


def test_a_stronger_profile_ends_credentials_a_weaker_admin_made(oauth_actions, admin):
    owner = admin.login("owner", is_owner=True)
    users_admin = admin.login("users-admin", manage_users=True)
    http = oauth_actions.http
    http.post("/api/v1/profiles", json={"name": "plain"}, headers=owner)
    http.post(
        "/api/v1/profiles",
        json={"name": "builders", "manage_clients": True},
        headers=owner,
    )
    http.post(
        "/api/v1/operators",
        json={"username": "dave", "profile": "plain", "password": "pw-dave-1"},
        headers=owner,
    )
    made = http.post("/api/v1/operators/dave/api-accounts", headers=users_admin)
    assert made.status_code == 201, made.json
    lent = f"{made.json['username']}:{made.json['password']}"
    rs = oauth_actions.resource_server()
    moved = http.patch(
        "/api/v1/operators/dave", json={"profile": "builders"}, headers=owner
    )
    assert moved.status_code == 200, moved.json
    assert oauth_actions.introspect(rs, lent).json == {"active": False}
