"""`idp pat`, `idp api-account`, `idp api-key` and `idp profile set` from a shell."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from idp.accounts import operators
from idp.credentials import services
from idp.extensions import db
from tests.conftest import OAuthActions
from tests.test_cli import IDP
from tests.test_cli import ISO_UTC
from tests.test_cli import Script
from tests.test_cli import invoke
from tests.test_cli import without_created_at

PAT = re.compile(r"idp_pat_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")
ACCOUNT_USERNAME = re.compile(r"idp_aa_[0-9a-f]{16}")
ACCOUNT_PASSWORD = re.compile(r"idp_aap_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")
PUBLIC_KEY = re.compile(r"idp_pk_[0-9a-f]{24}")
PRIVATE_KEY = re.compile(r"idp_sk_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")
MODULES = ["tickets", "companies"]
NO_LEVELS = {"add": "none", "edit": "none", "delete": "none", "inquire": "none"}


def introspect(actions: OAuthActions, caller: tuple[str, str], token: str) -> dict:
    """The introspection answer for ``token``, which must come with status 200."""
    response = actions.introspect(caller, token)
    assert response.status_code == 200, response.json
    return response.json


def active_answer(body: dict, credential: str, username: str, **changes) -> dict:
    """What introspection answers for an active credential of a default profile.

    The times and the subject are taken from ``body`` after checking their type.
    """
    assert isinstance(body["iat"], int)
    assert body["sub"].isdigit()
    return {
        "active": True,
        "credential": credential,
        "scope": "public-api",
        "username": username,
        "sub": body["sub"],
        "iat": body["iat"],
        "iss": "http://localhost",
        "permissions": {
            "api_access": True,
            "manage_users": False,
            "manage_clients": False,
            "modules": {},
        },
        "rate_limit": {
            "limit": 30,
            "remaining": body["rate_limit"]["remaining"],
            "reset": body["rate_limit"]["reset"],
            "exceeded": False,
        },
        **changes,
    }


def parse_time(text: str) -> dt.datetime:
    """A CLI timestamp (UTC ISO 8601 with a Z) as a naive UTC datetime."""
    assert ISO_UTC.fullmatch(text), text
    return dt.datetime.fromisoformat(text.removesuffix("Z"))


# -- personal access tokens --------------------------------------------------


def test_pat_create_prints_a_token_that_works_at_introspection(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """The JSON carries the token once, its id and a hint; the token is a bearer."""
    answer = invoke(runner, "pat", "create", "alice", "--name", "ci")

    token = answer["token"]
    assert PAT.fullmatch(token)
    assert isinstance(answer["id"], int)
    assert without_created_at(answer) == {
        "id": answer["id"],
        "name": "ci",
        "hint": f"{token[:12]}...{token[-4:]}",
        "expires_at": None,
        "last_used_at": None,
        "token": token,
    }
    body = introspect(oauth_actions, resource_server, token)
    assert body == active_answer(
        body, "personal_access_token", "alice", token_type="Bearer"
    )


def test_pat_create_expires_in_sets_the_expiry(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """--expires-in 30d: expires_at is 30 days after created_at, and so is `exp`."""
    answer = invoke(
        runner, "pat", "create", "alice", "--name", "ci", "--expires-in", "30d"
    )

    lifetime = parse_time(answer["expires_at"]) - parse_time(answer["created_at"])
    assert lifetime == dt.timedelta(days=30)
    body = introspect(oauth_actions, resource_server, answer["token"])
    assert body["exp"] == body["iat"] + 30 * 86400


def test_pat_list_shows_last_use_after_one_introspection_and_never_the_token(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """Name, hint, created, expires and last used (null until used); no token."""
    created = invoke(runner, "pat", "create", "alice", "--name", "ci")
    token = created.pop("token")

    before = runner.invoke(args=["pat", "list", "alice", "--json"])
    introspect(oauth_actions, resource_server, token)
    after = invoke(runner, "pat", "list", "alice")

    assert before.exit_code == 0, before.output
    assert token not in before.stdout
    assert json.loads(before.stdout) == {"tokens": [created]}
    last_used_at = after["tokens"][0]["last_used_at"]
    assert parse_time(last_used_at) >= parse_time(created["created_at"])
    assert after == {"tokens": [{**created, "last_used_at": last_used_at}]}


def test_pat_list_without_json_says_never_used(
    runner: FlaskCliRunner, credential_actions
) -> None:
    """An unused token reads "never used"; a missing expiry reads "-"."""
    created = invoke(runner, "pat", "create", "alice", "--name", "ci")

    result = runner.invoke(args=["pat", "list", "alice"])

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "tokens:\n"
        f"  id={created['id']}, name=ci, hint={created['hint']}, "
        f"created_at={created['created_at']}, expires_at=-, last_used_at=never used\n"
    )


def test_pat_revoke_makes_the_next_introspection_inactive(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """RFC 7662 §2.2: a revoked token is only `{"active": false}`, at once."""
    created = invoke(runner, "pat", "create", "alice", "--name", "ci")
    assert introspect(oauth_actions, resource_server, created["token"])["active"]

    answer = invoke(runner, "pat", "revoke", "alice", str(created["id"]))

    assert answer == {"id": created["id"], "revoked": True}
    assert introspect(oauth_actions, resource_server, created["token"]) == {
        "active": False
    }
    assert invoke(runner, "pat", "list", "alice") == {"tokens": []}


# -- API accounts ------------------------------------------------------------


def test_api_account_create_prints_a_pair_that_introspects(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """The JSON carries the username and, once, the password; the pair is Basic."""
    answer = invoke(runner, "api-account", "create", "alice")

    username, password = answer["username"], answer["password"]
    assert ACCOUNT_USERNAME.fullmatch(username)
    assert ACCOUNT_PASSWORD.fullmatch(password)
    assert without_created_at(answer) == {
        "username": username,
        "password": password,
        "last_used_at": None,
    }
    body = introspect(oauth_actions, resource_server, f"{username}:{password}")
    assert body == active_answer(body, "api_account", "alice")


def test_api_account_list_shows_last_use_and_never_a_password(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """Created and last used (null until used), never the password."""
    created = invoke(runner, "api-account", "create", "alice")
    password = created.pop("password")

    before = invoke(runner, "api-account", "list", "alice")
    introspect(oauth_actions, resource_server, f"{created['username']}:{password}")
    after = invoke(runner, "api-account", "list", "alice")

    assert password not in str(before) + str(after)
    assert before == {"api_accounts": [created]}
    last_used_at = after["api_accounts"][0]["last_used_at"]
    assert parse_time(last_used_at) >= parse_time(created["created_at"])
    assert after == {"api_accounts": [{**created, "last_used_at": last_used_at}]}


def test_api_account_delete_makes_the_pair_inactive(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """RFC 7662 §2.2: a deleted account's pair is only `{"active": false}`."""
    created = invoke(runner, "api-account", "create", "alice")
    pair = f"{created['username']}:{created['password']}"
    assert introspect(oauth_actions, resource_server, pair)["active"]

    answer = invoke(runner, "api-account", "delete", "alice", created["username"])

    assert answer == {"username": created["username"], "deleted": True}
    assert introspect(oauth_actions, resource_server, pair) == {"active": False}
    assert invoke(runner, "api-account", "list", "alice") == {"api_accounts": []}


# -- API keys ----------------------------------------------------------------


def test_api_key_create_prints_a_pair_that_introspects(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """The JSON carries the public key and, once, the private key of an API member."""
    answer = invoke(
        runner, "api-key", "create", "robot", "--description", "nightly sync"
    )

    public_key, private_key = answer["public_key"], answer["private_key"]
    assert PUBLIC_KEY.fullmatch(public_key)
    assert PRIVATE_KEY.fullmatch(private_key)
    assert without_created_at(answer) == {
        "public_key": public_key,
        "private_key": private_key,
        "description": "nightly sync",
        "last_used_at": None,
    }
    body = introspect(oauth_actions, resource_server, f"{public_key}:{private_key}")
    assert body == active_answer(body, "api_key", "robot")


def test_api_key_list_shows_last_use_and_never_a_private_key(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """Description (empty by default), created and last used; no private key."""
    created = invoke(runner, "api-key", "create", "robot")
    private_key = created.pop("private_key")

    before = invoke(runner, "api-key", "list", "robot")
    introspect(oauth_actions, resource_server, f"{created['public_key']}:{private_key}")
    after = invoke(runner, "api-key", "list", "robot")

    assert private_key not in str(before) + str(after)
    assert created["description"] == ""
    assert before == {"api_keys": [created]}
    last_used_at = after["api_keys"][0]["last_used_at"]
    assert parse_time(last_used_at) >= parse_time(created["created_at"])
    assert after == {"api_keys": [{**created, "last_used_at": last_used_at}]}


def test_api_key_revoke_makes_the_pair_inactive(
    runner: FlaskCliRunner,
    oauth_actions: OAuthActions,
    credential_actions,
    resource_server,
) -> None:
    """RFC 7662 §2.2: a revoked key pair is only `{"active": false}`, at once."""
    created = invoke(runner, "api-key", "create", "robot")
    pair = f"{created['public_key']}:{created['private_key']}"
    assert introspect(oauth_actions, resource_server, pair)["active"]

    answer = invoke(runner, "api-key", "revoke", "robot", created["public_key"])

    assert answer == {"public_key": created["public_key"], "revoked": True}
    assert introspect(oauth_actions, resource_server, pair) == {"active": False}
    assert invoke(runner, "api-key", "list", "robot") == {"api_keys": []}


# -- profiles ----------------------------------------------------------------


@pytest.fixture
def staff_token(runner: FlaskCliRunner) -> str:
    """A PAT of `bob`, whose profile `staff` was just created from the shell."""
    invoke(runner, "profile", "create", "staff")
    invoke(runner, "operator", "create", "bob", "--profile", "staff")
    return invoke(runner, "pat", "create", "bob", "--name", "ci")["token"]


def profile_json(**changes) -> dict:
    """What `profile set staff --json` prints, with MODULES declared, minus ``created_at``."""
    return {
        "name": "staff",
        "api_access": True,
        "manage_users": False,
        "manage_clients": False,
        "modules": {module: NO_LEVELS for module in MODULES},
        **changes,
    }


@pytest.mark.config(MODULES=MODULES)
def test_profile_set_levels_reach_the_next_introspection(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, resource_server, staff_token
) -> None:
    """A new profile starts every module at `none`; set levels show at once."""
    first = introspect(oauth_actions, resource_server, staff_token)
    assert first["permissions"] == {
        key: value for key, value in profile_json().items() if key != "name"
    }
    tickets = {"add": "all", "edit": "own", "delete": "none", "inquire": "all"}

    answer = invoke(
        runner,
        "profile",
        "set",
        "staff",
        "--module",
        "tickets",
        "--add",
        "all",
        "--edit",
        "own",
        "--delete",
        "none",
        "--inquire",
        "all",
    )

    modules = {"tickets": tickets, "companies": NO_LEVELS}
    assert without_created_at(answer) == profile_json(modules=modules)
    body = introspect(oauth_actions, resource_server, staff_token)
    assert body["permissions"]["modules"] == modules


@pytest.mark.config(MODULES=MODULES)
def test_profile_set_changes_only_the_levels_given(
    runner: FlaskCliRunner, staff_token: str
) -> None:
    """A second `--module` call keeps the levels the first one set."""
    invoke(runner, "profile", "set", "staff", "--module", "companies", "--add", "own")

    answer = invoke(
        runner, "profile", "set", "staff", "--module", "companies", "--inquire", "all"
    )

    companies = {**NO_LEVELS, "add": "own", "inquire": "all"}
    assert without_created_at(answer) == profile_json(
        modules={"tickets": NO_LEVELS, "companies": companies}
    )


@pytest.mark.config(MODULES=MODULES)
def test_profile_set_rights_reach_the_next_introspection(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, resource_server, staff_token
) -> None:
    """--no-api-access stops every credential; the other flags show in `permissions`."""
    answer = invoke(runner, "profile", "set", "staff", "--no-api-access")
    assert without_created_at(answer) == profile_json(api_access=False)
    assert introspect(oauth_actions, resource_server, staff_token) == {"active": False}

    answer = invoke(
        runner,
        "profile",
        "set",
        "staff",
        "--api-access",
        "--manage-users",
        "--manage-clients",
    )

    rights = {"manage_users": True, "manage_clients": True}
    assert without_created_at(answer) == profile_json(**rights)
    body = introspect(oauth_actions, resource_server, staff_token)
    assert body["permissions"] == {
        key: value for key, value in profile_json(**rights).items() if key != "name"
    }
    answer = invoke(
        runner, "profile", "set", "staff", "--no-manage-users", "--no-manage-clients"
    )
    assert without_created_at(answer) == profile_json()


# -- bad input ---------------------------------------------------------------

UNKNOWN_ACCOUNT = "idp_aa_" + "0" * 16
UNKNOWN_KEY = "idp_pk_" + "0" * 24

BAD_INPUT = [
    pytest.param(["pat", "create", "nobody", "--name", "ci"], id="pat-unknown-user"),
    pytest.param(["pat", "create", "robot", "--name", "ci"], id="pat-for-api-member"),
    pytest.param(["pat", "create", "alice", "--name", ""], id="pat-empty-name"),
    pytest.param(["pat", "create", "alice", "--name", "ci", "--expires-in", "30x"], id="pat-expires-in-30x"),
    pytest.param(["pat", "create", "alice", "--name", "x" * 101], id="pat-name-too-long"),
    pytest.param(["pat", "revoke", "alice", "999999"], id="pat-revoke-unknown-id"),
    pytest.param(["pat", "revoke", "alice", str(2**63)], id="pat-revoke-id-too-large"),
    pytest.param(["pat", "revoke", "alice", "{revoked_pat}"], id="pat-revoke-twice"),
    pytest.param(["pat", "revoke", "robot", "{pat}"], id="pat-revoke-someone-elses"),
    pytest.param(["api-account", "create", "robot"], id="account-for-api-member"),
    pytest.param(["api-account", "delete", "alice", UNKNOWN_ACCOUNT], id="account-delete-unknown"),
    pytest.param(["api-account", "delete", "robot", "{account}"], id="account-delete-someone-elses"),
    pytest.param(["api-key", "create", "alice"], id="key-for-a-person"),
    pytest.param(["api-key", "create", "robot", "--description", "x" * 201], id="key-description-too-long"),
    pytest.param(["api-key", "revoke", "robot", UNKNOWN_KEY], id="key-revoke-unknown"),
    pytest.param(["api-key", "revoke", "alice", "{key}"], id="key-revoke-someone-elses"),
    pytest.param(["profile", "set", "profile-1", "--module", "billing", "--add", "all"], id="profile-unknown-module"),
    pytest.param(["profile", "set", "profile-1", "--no-api-access", "--module", "billing"], id="profile-unknown-module-with-a-right"),
    pytest.param(["profile", "set", "profile-1", "--module", "tickets", "--add", "some"], id="profile-unknown-level"),
    pytest.param(["profile", "set", "profile-1", "--add", "all"], id="profile-level-without-module"),
    pytest.param(["profile", "set", "nope", "--no-api-access"], id="profile-unknown"),
]  # fmt: skip


def dump(app: Flask) -> dict[str, list]:
    """Every row of every table, to compare before and after."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(table.select())), key=str)
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def populated(credential_actions) -> dict[str, str]:
    """alice (a person) with a token, a revoked token and an account; robot with a key."""
    revoked_pat, _ = credential_actions.pat(name="old")
    with credential_actions.app.app_context():
        alice = operators.get_operator("alice")
        services.revoke_personal_access_token(None, alice, revoked_pat)
    return {
        "pat": str(credential_actions.pat()[0]),
        "revoked_pat": str(revoked_pat),
        "account": credential_actions.api_account()[0],
        "key": credential_actions.api_key()[0],
    }


@pytest.mark.config(MODULES=MODULES)
@pytest.mark.parametrize("args", BAD_INPUT)
def test_bad_input_exits_2_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, populated: dict[str, str], args: list[str]
) -> None:
    """Bad input is a usage error: status 2, nothing on stdout, nothing written."""
    before = dump(app)

    result = runner.invoke(args=[*(arg.format(**populated) for arg in args), "--json"])

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error:" in result.stderr
    assert dump(app) == before


# -- the installed console script --------------------------------------------


@pytest.fixture
def script(app: Flask, database_url: str, tmp_path, credential_actions) -> Script:
    """The real `idp` script on this test's database and Redis; alice exists."""
    if IDP is None:
        pytest.skip("the idp console script is not installed")
    script = Script(tmp_path)
    # The same Redis, so that a revocation reaches the test app's hot cache.
    script.env["IDP_DATABASE_URL"] = database_url
    script.env["IDP_REDIS_URL"] = app.config["REDIS_URL"]
    script.env["IDP_REDIS_KEY_PREFIX"] = app.config["REDIS_KEY_PREFIX"]
    return script


def test_script_revoke_reaches_the_next_introspection(
    script: Script, runner: FlaskCliRunner, oauth_actions: OAuthActions, resource_server
) -> None:
    """The real script prints one JSON object, and its revocation is seen at once."""
    created = invoke(runner, "pat", "create", "alice", "--name", "ci")
    assert introspect(oauth_actions, resource_server, created["token"])["active"]

    revoked = script.json("pat", "revoke", "alice", str(created["id"]))

    assert revoked == {"id": created["id"], "revoked": True}
    assert introspect(oauth_actions, resource_server, created["token"]) == {
        "active": False
    }
