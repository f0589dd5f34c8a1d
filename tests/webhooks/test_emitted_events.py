"""Every built-in event is written with the change that causes it, and only then."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event as orm_event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from idp.accounts import operators
from idp.accounts import profiles
from idp.credentials import services as credentials
from idp.events.models import WebhookEvent
from idp.extensions import db
from idp.oauth import clients as oauth_clients
from tests.webhooks.conftest import events

CLIENT = {
    "client_id": "reports",
    "password_grant": True,
    "refresh_tokens": True,
    "introspect": False,
    "publish_events": False,
    "access_token_ttl": 3600,
    "refresh_token_ttl": 30 * 24 * 3600,
}


def test_client_events(client, app, owner):
    client.post("/api/v1/clients", json={"client_id": "reports"}, headers=owner)
    client.patch(
        "/api/v1/clients/reports", json={"access_token_ttl": 60}, headers=owner
    )
    client.post("/api/v1/clients/reports/rotate-secret", headers=owner)
    client.delete("/api/v1/clients/reports", headers=owner)
    # Events keep whole-second times, as tokens do: four quick changes may share
    # one, so what is compared is which events were written, not their order.
    assert sorted(e for e in events(app) if e[0].startswith("client.")) == sorted(
        [
            ("client.created", CLIENT),
            ("client.updated", {**CLIENT, "access_token_ttl": 60}),
            ("client.secret_rotated", {"client_id": "reports"}),
            ("client.deleted", {"client_id": "reports"}),
        ]
    )


def test_operator_events(client, app, owner):
    with app.app_context():
        profiles.create_profile("staff")
    client.post(
        "/api/v1/operators", json={"username": "bob", "profile": "staff"}, headers=owner
    )
    client.patch("/api/v1/operators/bob", json={"active": False}, headers=owner)
    bob = {
        "username": "bob",
        "kind": "person",
        "profile": "staff",
        "is_active": True,
        "is_owner": False,
    }
    assert events(app, "operator.created")[-1] == ("operator.created", bob)
    assert events(app, "operator.updated") == [
        ("operator.updated", {**bob, "is_active": False})
    ]


def test_credential_events_name_each_credential_without_its_secret(
    client, app, owner, admin_actions
):
    token = client.post(
        "/api/v1/me/personal-access-tokens", json={"name": "ci"}, headers=owner
    ).json
    client.delete(f"/api/v1/me/personal-access-tokens/{token['id']}", headers=owner)
    account = client.post("/api/v1/me/api-accounts", headers=owner).json
    client.delete(f"/api/v1/me/api-accounts/{account['username']}", headers=owner)
    admin_actions.operator("robot", kind="api_member")
    key = client.post(
        "/api/v1/operators/robot/api-keys", json={"description": "x"}, headers=owner
    ).json
    client.delete(
        f"/api/v1/operators/robot/api-keys/{key['public_key']}", headers=owner
    )
    pat = ("personal_access_token", token["hint"], "owner")
    pair = ("api_account", account["username"], "owner")
    api_key = ("api_key", key["public_key"], "robot")
    wanted = [
        (kind, {"kind": k, "id": i, "operator": o})
        for (k, i, o) in (pat, pair, api_key)
        for kind in ("credential.created", "credential.revoked")
    ]
    found = [e for e in events(app) if e[0].startswith("credential.")]
    # The owner's own PAT, made by the fixture, is the first.
    assert sorted(found[1:], key=repr) == sorted(wanted, key=repr)
    text = repr(found)
    for secret in (token["token"], account["password"], key["private_key"]):
        assert secret not in text


@pytest.mark.config(REFRESH_GRACE_SECONDS=0)
def test_a_reused_refresh_token_revokes_its_login_with_two_events(app, oauth_actions):
    login = oauth_actions.login()
    first = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert first.status_code == 200
    time.sleep(1.1)
    reuse = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert reuse.json["error"] == "invalid_grant"
    again = oauth_actions.refresh("script", login["secret"], login["refresh_token"])
    assert again.json["error"] == "invalid_grant"
    with app.app_context():
        family = db.session.scalar(
            db.select(WebhookEvent.data).filter_by(type="credential.revoked")
        )["id"]
    assert events(app, "credential.revoked") == [
        (
            "credential.revoked",
            {"kind": "oauth_login", "id": family, "operator": "alice"},
        )
    ]
    assert events(app, "refresh_token.reused") == [
        (
            "refresh_token.reused",
            {"client_id": "script", "operator": "alice", "family_id": family},
        )
    ]


def test_revoking_a_refresh_token_revokes_the_login_once(app, oauth_actions):
    login = oauth_actions.login()
    for _ in range(2):
        assert (
            oauth_actions.revoke(
                "script", login["secret"], login["refresh_token"]
            ).status_code
            == 200
        )
    assert [e[1]["kind"] for e in events(app, "credential.revoked")] == ["oauth_login"]
    assert events(app, "refresh_token.reused") == []


@pytest.mark.config(RATE_LIMIT="2/minute")
def test_rate_limit_exceeded_fires_once_per_window(app, oauth_actions):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    answers = [
        oauth_actions.introspect(caller, login["access_token"]).json for _ in range(5)
    ]
    assert [a["rate_limit"]["exceeded"] for a in answers] == [False] * 2 + [True] * 3
    found = events(app, "rate_limit.exceeded")
    assert [(t, d["operator"], d["limit"]) for t, d in found] == [
        ("rate_limit.exceeded", "alice", 2)
    ]
    assert found[0][1]["reset"].endswith("Z")


@pytest.mark.config(RATE_LIMIT="2/minute")
def test_a_database_refusing_the_event_does_not_break_introspection(app, oauth_actions):
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()

    def refuse(session, context, instances):
        if any(isinstance(row, WebhookEvent) for row in session.new):
            raise OperationalError("INSERT", {}, Exception("read-only database"))

    orm_event.listen(Session, "before_flush", refuse)
    try:
        statuses = [
            oauth_actions.introspect(caller, login["access_token"]).status_code
            for _ in range(4)
        ]
    finally:
        orm_event.remove(Session, "before_flush", refuse)
    assert statuses == [200] * 4
    assert events(app, "rate_limit.exceeded") == []


@pytest.mark.config(RATE_LIMIT="1/minute")
def test_the_admin_api_reports_its_own_excess_once(client, app, owner):
    statuses = [client.get("/api/v1/me", headers=owner).status_code for _ in range(3)]
    assert statuses == [200, 429, 429]
    assert [d["operator"] for _, d in events(app, "rate_limit.exceeded")] == ["owner"]


# -- atomicity: a change that fails leaves no event ----------------------------


def _make_client():
    oauth_clients.register_client(
        "reports", access_token_ttl=60, refresh_token_ttl=60, secret="s3cret-value"
    )


CHANGES = {
    "client.created": (lambda: None, _make_client),
    "client.updated": (
        _make_client,
        lambda: oauth_clients.update_client(
            oauth_clients.get_client("reports"), access_token_ttl=5
        ),
    ),
    "client.secret_rotated": (
        _make_client,
        lambda: oauth_clients.rotate_client_secret(oauth_clients.get_client("reports")),
    ),
    "client.deleted": (
        _make_client,
        lambda: oauth_clients.delete_client(oauth_clients.get_client("reports")),
    ),
    "operator.created": (
        lambda: profiles.create_profile("staff"),
        lambda: operators.create_operator(
            "bob", profile=profiles.get_profile("staff"), password="pw"
        ),
    ),
    "operator.updated": (
        lambda: operators.create_operator(
            "bob", profile=profiles.create_profile("staff"), password="pw"
        ),
        lambda: operators.update_operator(
            operators.get_operator("bob"), is_active=False
        ),
    ),
    "operator.deleted": (
        lambda: operators.create_operator(
            "bob", profile=profiles.create_profile("staff"), password="pw"
        ),
        lambda: operators.delete_operator(operators.get_operator("bob")),
    ),
    "credential.created": (
        lambda: operators.create_operator(
            "bob", profile=profiles.create_profile("staff"), password="pw"
        ),
        lambda: credentials.create_api_account(None, operators.get_operator("bob")),
    ),
    "credential.revoked": (
        lambda: credentials.issue_personal_access_token(
            None,
            operators.create_operator(
                "bob", profile=profiles.create_profile("staff"), password="pw"
            )[0],
            name="ci",
        ),
        lambda: credentials.revoke_personal_access_token(
            None,
            operators.get_operator("bob"),
            db.session.scalar(
                db.select(db.text("max(id)")).select_from(
                    db.table("personal_access_tokens")
                )
            ),
        ),
    ),
}


@pytest.mark.parametrize("event_type", sorted(CHANGES))
def test_a_change_and_its_event_commit_together(app, event_type):
    prepare, change = CHANGES[event_type]
    with app.app_context():
        prepare()
        before = len(events(app, event_type))

        def fail(session, context, instances):
            if any(isinstance(row, WebhookEvent) for row in session.new):
                raise OperationalError("COMMIT", {}, Exception("disk full"))

        orm_event.listen(Session, "before_flush", fail)
        try:
            with pytest.raises(OperationalError):
                change()
        finally:
            orm_event.remove(Session, "before_flush", fail)
        db.session.rollback()
        assert len(events(app, event_type)) == before
        change()  # the same change, once the database takes it, has its event
        assert len(events(app, event_type)) == before + 1
