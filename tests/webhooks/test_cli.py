"""`idp webhook …` and `idp event-type …`: the API's rules, --json, exit status 2."""

from __future__ import annotations

import pytest

from tests.test_cli import invoke
from tests.webhooks.conftest import RECEIVER
from tests.webhooks.conftest import raw_rows

MASKED = "masked-cli-value-0c7d"
PASSWORD = "cli-basic-password-93ab"


def _create(runner, *extra: str) -> dict:
    return invoke(
        runner,
        "webhook",
        "create",
        RECEIVER,
        "--event",
        "client.created",
        "--event",
        "credential.revoked",
        "--description",
        "CRM",
        "--basic-user",
        "idp",
        "--basic-password-stdin",
        "--header",
        "X-Tenant: acme",
        "--masked-header",
        f"X-Api-Key: {MASKED}",
        *extra,
        input=PASSWORD + "\n",
    )


def test_create_prints_the_secret_once_and_never_again(runner, app):
    created = _create(runner)
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert created["events"] == ["client.created", "credential.revoked"]
    assert created["basic_auth"] == {"username": "idp", "password_set": True}
    assert created["headers"] == [
        {"name": "X-Tenant", "value": "acme", "masked": False},
        {"name": "X-Api-Key", "value": None, "masked": True},
    ]
    shown = invoke(runner, "webhook", "show", str(created["id"]))
    listed = invoke(runner, "webhook", "list")
    assert shown == created
    assert listed == {"webhooks": [created]}
    human = runner.invoke(args=["webhook", "list"]).output
    shown_human = runner.invoke(args=["webhook", "show", str(created["id"])])
    assert shown_human.exit_code == 0, shown_human.output
    assert "events:\n  client.created\n  credential.revoked\n" in shown_human.output
    human += shown_human.output
    for output in (repr(shown), repr(listed), human, raw_rows(app)):
        assert secret not in output and MASKED not in output
        assert PASSWORD not in output


def test_update_and_delete(runner):
    webhook = str(_create(runner)["id"])
    changed = invoke(
        runner,
        "webhook",
        "update",
        webhook,
        "--event",
        "*",
        "--disable",
        "--masked-header",
        "X-Api-Key",
        "--no-basic-auth",
    )
    assert changed["events"] == ["*"]
    assert (changed["enabled"], changed["basic_auth"]) == (False, None)
    assert changed["headers"] == [{"name": "X-Api-Key", "value": None, "masked": True}]
    assert invoke(runner, "webhook", "delete", webhook) == {
        "id": int(webhook),
        "deleted": True,
    }
    assert invoke(runner, "webhook", "list") == {"webhooks": []}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ftp://127.0.0.1/x", "--event", "*"], "http or https"),
        ([RECEIVER], "--event"),
        ([RECEIVER, "--event", "task.created"], "task.created"),
        ([RECEIVER, "--event", "*", "--header", "Authorization: x"], "Authorization"),
        ([RECEIVER, "--event", "*", "--header", "no colon"], "Name: value"),
        ([RECEIVER, "--event", "*", "--masked-header", "X-Key"], "needs a value"),
        ([RECEIVER, "--event", "*", "--basic-password-stdin"], "--basic-user"),
        (["http://10.0.0.1/", "--event", "*"], "not globally routable"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runner, args, says):
    result = runner.invoke(args=["webhook", "create", *args, "--json"], input="pw\n")
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert invoke(runner, "webhook", "list") == {"webhooks": []}


def test_an_unknown_webhook_is_exit_2(runner):
    result = runner.invoke(args=["webhook", "show", "42"])
    assert result.exit_code == 2
    assert "No webhook 42" in result.output


def test_event_types(runner):
    created = invoke(
        runner, "event-type", "create", "task.created", "--description", "A task"
    )
    assert created == {
        "name": "task.created",
        "description": "A task",
        "built_in": False,
        "data": None,
    }
    listed = invoke(runner, "event-type", "list")["event_types"]
    assert created in listed
    assert {"client.created", "webhook.test"} <= {t["name"] for t in listed}
    again = runner.invoke(args=["event-type", "create", "task.created"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert invoke(runner, "event-type", "delete", "task.created") == {
        "name": "task.created",
        "deleted": True,
    }


def test_client_create_publish_events(runner):
    created = invoke(runner, "client", "create", "tasks-api", "--publish-events")
    assert created["publish_events"] is True


@pytest.mark.config(SECRET_KEY=None)
def test_without_a_key_nothing_is_stored_and_the_command_says_why(runner):
    from idp.errors import ConfigError

    result = runner.invoke(args=["webhook", "create", RECEIVER, "--event", "*"])
    assert isinstance(result.exception, ConfigError)
    assert "IDP_SECRET_KEY or IDP_ENCRYPTION_KEY" in str(result.exception)
    assert invoke(runner, "webhook", "list") == {"webhooks": []}
