"""The audit log: every change, with who, via what, from where, before and after.

Records are written in the change's transaction: a refused change leaves none,
and none ever holds a secret.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from idp.audit.models import AuditRecord
from idp.extensions import db
from idp.purge import purge
from idp.timeutil import utcnow
from tests.admin.conftest import assert_field_errors
from tests.admin.conftest import assert_problem
from tests.audit.conftest import audit
from tests.conftest import basic

CLIENT = {"client_id": "reports", "access_token_ttl": 600, "refresh_token_ttl": 3600}


def test_a_client_registered_through_the_api_names_its_operator(app, client, owner):
    created = client.post("/api/v1/clients", json=CLIENT, headers=owner)
    assert created.status_code == 201, created.json
    [record] = audit(app, action="client.created", target="client:reports")
    assert record["actor_kind"] == "operator"
    assert record["actor"] == "owner"
    assert record["via"] == "api"
    assert record["source"] == "127.0.0.1"
    assert record["before"] is None
    assert record["after"]["client_id"] == "reports"
    assert record["after"]["access_token_ttl"] == 600
    assert created.json["client_secret"] not in json.dumps(record)


def test_a_client_registered_from_the_command_names_the_command(app, runner):
    result = runner.invoke(
        args=["client", "create", "cron", "--access-ttl", "10m", "--json"]
    )
    assert result.exit_code == 0, result.output
    [record] = audit(app, action="client.created", target="client:cron")
    assert record["actor_kind"] == "command"
    assert record["via"] == "cli"
    assert record["source"]  # the host the command ran on
    secret = json.loads(result.stdout)["client_secret"]
    assert secret not in json.dumps(record)


def test_a_pat_revoked_through_the_api_names_who_revoked_it(
    app, client, admin_actions, users_admin
):
    admin_actions.operator("bob")
    token_id, secret = admin_actions.oauth.pat("bob")
    revoked = client.delete(
        f"/api/v1/operators/bob/personal-access-tokens/{token_id}", headers=users_admin
    )
    assert revoked.status_code == 204, revoked.json
    [record] = audit(app, action="credential.revoked")
    assert record["actor"] == "users-admin"
    assert record["target"].startswith("personal_access_token:idp_pat_")
    assert record["before"]["operator"] == "bob"
    assert secret not in json.dumps(record)


def test_an_update_records_the_fields_before_and_after(app, client, owner):
    client.post("/api/v1/clients", json=CLIENT, headers=owner)
    changed = client.patch(
        "/api/v1/clients/reports", json={"access_token_ttl": 900}, headers=owner
    )
    assert changed.status_code == 200, changed.json
    [record] = audit(app, action="client.updated")
    assert record["before"]["access_token_ttl"] == 600
    assert record["after"]["access_token_ttl"] == 900


def test_a_refused_change_leaves_no_record(app, client, owner, alice):
    client.post("/api/v1/clients", json=CLIENT, headers=owner)
    again = client.post("/api/v1/clients", json=CLIENT, headers=owner)
    assert_problem(again, 409)
    refused = client.post(
        "/api/v1/clients", json={**CLIENT, "client_id": "other"}, headers=alice
    )
    assert_problem(refused, 403)
    assert [r["target"] for r in audit(app, action="client.created")] == [
        "client:reports"
    ]


def test_a_change_that_rolls_back_takes_its_record_with_it(app, admin_actions):
    from idp.accounts import operators

    admin_actions.operator("bob")
    with app.app_context():
        before = db.session.query(AuditRecord).count()
        bob = operators.get_operator("bob")
        bob.is_active = False
        from idp.audit.log import record

        record("operator.updated", "operator:bob", after={"is_active": False})
        db.session.rollback()
        assert db.session.query(AuditRecord).count() == before


def test_console_changes_name_the_signed_in_operator(app, client, oauth_actions):
    from tests.console.conftest import Console

    console = Console(oauth_actions, client)
    console.operator("admin", manage_users=True)
    assert console.sign_in("admin").status_code == 302
    response = console.post(
        "/console/roles/new", {"name": "support", "api_access": "y"}
    )
    assert response.status_code in (200, 302, 303), response.status_code
    [record] = audit(app, action="profile.created", target="profile:support")
    assert (record["actor_kind"], record["actor"], record["via"]) == (
        "operator",
        "admin",
        "console",
    )


def test_a_client_revoking_a_login_is_the_actor(app, oauth_actions):
    login = oauth_actions.login()
    revoked = oauth_actions.revoke("script", login["secret"], login["refresh_token"])
    assert revoked.status_code == 200
    [record] = audit(app, action="credential.revoked")
    assert (record["actor_kind"], record["actor"], record["via"]) == (
        "client",
        "script",
        "oauth",
    )
    assert record["target"].startswith("oauth_login:")
    for secret in (login["secret"], login["access_token"], login["refresh_token"]):
        assert secret not in json.dumps(record)


def test_a_leak_report_is_recorded_without_the_secret(app, client, admin_actions):
    admin_actions.operator("bob")
    _, secret = admin_actions.oauth.pat("bob")
    answer = client.post("/oauth/leaked", json=[secret])
    assert answer.status_code == 202
    actions = [
        (r["action"], r["actor_kind"], r["via"])
        for r in audit(app, actor_kind="leak_report")
    ]
    assert actions == [
        ("credential.leaked", "leak_report", "oauth"),
        ("credential.revoked", "leak_report", "oauth"),
    ]
    assert secret not in json.dumps(audit(app))


def test_no_record_holds_a_secret(app, client, owner, admin_actions):
    secrets = []
    body = client.post("/api/v1/clients", json=CLIENT, headers=owner).json
    secrets.append(body["client_secret"])
    rotated = client.post("/api/v1/clients/reports/rotate-secret", headers=owner).json
    secrets.append(rotated["client_secret"])
    made = client.post(
        "/api/v1/operators",
        json={"username": "bob", "profile": _profile(app)},
        headers=owner,
    )
    assert made.status_code == 201, made.json
    secrets.append(made.json["password"])
    pat = client.post(
        "/api/v1/me/personal-access-tokens", json={"name": "ci"}, headers=owner
    )
    assert pat.status_code == 201, pat.json
    secrets.append(pat.json["token"])
    account = client.post("/api/v1/operators/bob/api-accounts", headers=owner)
    assert account.status_code == 201, account.json
    secrets.append(account.json["password"])
    dump = json.dumps(audit(app))
    assert len(audit(app)) >= 5
    for secret in secrets:
        assert secret and secret not in dump


def _profile(app) -> str:
    from idp.accounts import profiles

    with app.app_context():
        return profiles.create_profile("staff").name


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("users_admin", 200), ("clients_admin", 403), ("alice", 403)],
)
def test_only_the_owner_and_manage_users_read_the_log(client, request, who, status):
    response = client.get("/api/v1/audit", headers=request.getfixturevalue(who))
    if status == 200:
        assert response.status_code == 200, response.json
        assert isinstance(response.json, list)
    else:
        assert_problem(response, status)


def test_reading_the_log_needs_a_bearer_token(client, admin_actions):
    assert_problem(client.get("/api/v1/audit"), 401)
    admin_actions.operator("x", is_owner=True)
    account, password = admin_actions.oauth.api_account("x")
    assert_problem(client.get("/api/v1/audit", headers=basic(account, password)), 401)


def test_the_api_filters_and_pages_newest_first(app, client, owner, admin_actions):
    for name in ("a", "b", "c"):
        client.post(
            "/api/v1/clients", json={**CLIENT, "client_id": name}, headers=owner
        )
    client.delete("/api/v1/clients/b", headers=owner)
    admin_actions.operator("bob")  # by the command, outside any request

    def get(**query):
        response = client.get("/api/v1/audit", query_string=query, headers=owner)
        assert response.status_code == 200, response.json
        return response

    by_owner = get(actor="owner").json
    assert [r["action"] for r in by_owner] == [
        "client.deleted",
        "client.created",
        "client.created",
        "client.created",
    ]
    assert [r["target"] for r in get(target="client:b").json] == ["client:b"] * 2
    assert {r["action"] for r in get(action="client").json} == {
        "client.created",
        "client.deleted",
    }
    assert [r["target"] for r in get(action="client.deleted").json] == ["client:b"]
    page = get(actor="owner", page=2, page_size=3)
    assert len(page.json) == 1
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    future = (utcnow() + dt.timedelta(hours=1)).isoformat() + "Z"
    assert get(since=future).json == []
    assert len(get(until=future, actor="owner").json) == 4


def test_bad_filters_are_a_422(client, owner):
    response = client.get("/api/v1/audit?since=yesterday", headers=owner)
    assert_field_errors(response, "since")


def test_cli_list_and_export(app, runner, admin_actions):
    admin_actions.operator("bob")
    admin_actions.operator("carol")
    listed = runner.invoke(args=["audit", "list", "--action", "operator", "--json"])
    assert listed.exit_code == 0, listed.output
    targets = [r["target"] for r in json.loads(listed.stdout)["records"]]
    assert targets == ["operator:carol", "operator:bob"]
    human = runner.invoke(args=["audit", "list", "--target", "operator:bob"])
    assert human.exit_code == 0, human.output
    assert "operator.created  operator:bob  by command" in human.stdout
    exported = runner.invoke(args=["audit", "export", "--action", "operator.created"])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [r["target"] for r in lines] == ["operator:bob", "operator:carol"]
    assert lines[0]["id"] < lines[1]["id"]


def test_cli_bad_filter_is_one_line_and_status_2(runner):
    result = runner.invoke(args=["audit", "list", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "--since" in result.output
    assert "Traceback" not in result.output


def test_records_past_retention_are_purged(app, admin_actions):
    admin_actions.operator("bob")
    with app.app_context():
        old = db.session.query(AuditRecord).first()
        old.at = utcnow() - dt.timedelta(days=401)
        db.session.commit()
        kept = db.session.query(AuditRecord).count() - 1
        assert purge(3600)["audit_records"] == 1
        assert db.session.query(AuditRecord).count() == kept


def test_the_webhook_worker_records_as_idp(app, monkeypatch):
    from idp.audit import log

    monkeypatch.setattr(log, "_process", None)  # restored after the test
    log.process_acts_as("idp", "webhook worker", via="worker")
    with app.app_context():
        log.record("webhook.disabled", "webhook:1", after={"enabled": False})
        db.session.commit()
    [record] = audit(app, action="webhook.disabled")
    assert (record["actor_kind"], record["actor"], record["via"]) == (
        "idp",
        "webhook worker",
        "worker",
    )


@pytest.mark.parametrize("field", ["actor", "target", "action"])
def test_a_filter_holding_nul_is_a_422_not_a_500(client, owner, field):
    response = client.get("/api/v1/audit", query_string={field: "a\0b"}, headers=owner)
    assert_field_errors(response, field)
