"""The `idp` command: every subcommand with --json, and bad input as exit status 2."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from idp.accounts.models import Operator
from idp.extensions import db
from tests.conftest import OAuthActions

CLIENT_SECRET = re.compile(r"idp_cs_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")
PASSWORD = re.compile(r"idp_pw_[A-Za-z0-9_-]{43}[A-Za-z0-9]{6}")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
# An access-token lifetime past 2**31 seconds, which PostgreSQL's integer column
# refuses, and past datetime's range once added to now.
HUGE_DURATION = "99999999d"


def invoke(runner: FlaskCliRunner, *args: str, input: str | None = None) -> dict:
    """Run one command with --json; it must succeed and print one JSON object."""
    result = runner.invoke(args=[*args, "--json"], input=input)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


def without_created_at(obj: dict) -> dict:
    """``obj`` minus its creation time, after checking that it is UTC ISO 8601."""
    obj = dict(obj)
    assert ISO_UTC.fullmatch(obj.pop("created_at"))
    return obj


def keys_naming_secrets(value: Any) -> set[str]:
    """Every key, at any depth, that names a secret or a hash."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if "secret" in key or "hash" in key:
                found.add(key)
            found |= keys_naming_secrets(item)
    elif isinstance(value, list):
        for item in value:
            found |= keys_naming_secrets(item)
    return found


def client_json(client_id: str = "script", **changes: Any) -> dict:
    """What `client show --json` prints for a client, minus ``created_at``."""
    return {
        "client_id": client_id,
        "scope": "public-api",
        "access_token_ttl": 3600,
        "refresh_token_ttl": 30 * 24 * 3600,
        "password_grant": True,
        "refresh_tokens": True,
        "introspect": False,
        "publish_events": False,
        "last_used_at": None,
        **changes,
    }


def operator_json(operator_id: int, username: str = "bob", **changes: Any) -> dict:
    """What `operator create/set --json` prints, minus ``created_at``."""
    return {
        "username": username,
        "id": operator_id,
        "kind": "person",
        "owner": False,
        "active": True,
        "profile": "staff",
        # As the API shows it (OperatorSchema): null follows the configured default.
        "rate_limit": None,
        **changes,
    }


# -- init and profiles -----------------------------------------------------


def test_init_reports_the_database_and_can_run_again(
    runner: FlaskCliRunner, database_url: str
) -> None:
    """`idp init` on an up-to-date schema changes nothing and says ok."""
    invoke(runner, "profile", "create", "staff")

    for _ in range(2):
        assert invoke(runner, "init") == {"status": "ok", "database": database_url}

    again = runner.invoke(args=["profile", "create", "staff"])
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_profile_create_defaults_to_api_access_only(runner: FlaskCliRunner) -> None:
    """A new profile may use the API and manages nothing."""
    assert without_created_at(invoke(runner, "profile", "create", "staff")) == {
        "name": "staff",
        "api_access": True,
        "manage_users": False,
        "manage_clients": False,
        "modules": {},
    }


@pytest.mark.config(MODULES=["tickets"])
def test_profile_create_with_every_right_flag(runner: FlaskCliRunner) -> None:
    """Each right has its flag; declared modules start at `none`."""
    assert without_created_at(
        invoke(
            runner,
            "profile",
            "create",
            "admins",
            "--no-api-access",
            "--manage-users",
            "--manage-clients",
        )
    ) == {
        "name": "admins",
        "api_access": False,
        "manage_users": True,
        "manage_clients": True,
        "modules": {
            "tickets": {
                "add": "none",
                "edit": "none",
                "delete": "none",
                "inquire": "none",
            }
        },
    }


# -- operators -------------------------------------------------------------


@pytest.fixture
def staff(runner: FlaskCliRunner) -> str:
    """A profile named `staff` with API access."""
    invoke(runner, "profile", "create", "staff")
    return "staff"


def test_operator_create_prints_a_generated_password_that_works(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, staff: str
) -> None:
    """Without --password-stdin the password is generated and shown once."""
    _, secret = oauth_actions.oauth_client()

    answer = invoke(runner, "operator", "create", "bob", "--profile", staff)

    password = answer.pop("password")
    assert PASSWORD.fullmatch(password)
    assert without_created_at(answer) == operator_json(answer["id"])
    response = oauth_actions.password_grant("script", secret, "bob", password)
    assert response.status_code == 200, response.json
    shown_later = invoke(runner, "operator", "set", "bob", "--active")
    assert without_created_at(shown_later) == operator_json(answer["id"])


def test_operator_create_reads_the_password_from_stdin(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, staff: str
) -> None:
    """--password-stdin takes one line and prints no password back."""
    _, secret = oauth_actions.oauth_client()

    answer = invoke(
        runner,
        "operator",
        "create",
        "bob",
        "--profile",
        staff,
        "--password-stdin",
        input="correct horse battery\n",
    )

    assert without_created_at(answer) == operator_json(answer["id"])
    good = oauth_actions.password_grant(
        "script", secret, "bob", "correct horse battery"
    )
    assert good.status_code == 200, good.json
    bad = oauth_actions.password_grant("script", secret, "bob", "correct horse")
    assert bad.status_code == 400
    assert bad.json["error"] == "invalid_grant"


def test_operator_create_api_member_with_rate_limit_and_no_password(
    runner: FlaskCliRunner, staff: str
) -> None:
    """An API member gets no password; --rate-limit is kept as given."""
    answer = invoke(
        runner,
        "operator",
        "create",
        "robot",
        "--profile",
        staff,
        "--kind",
        "api_member",
        "--rate-limit",
        "120/minute",
    )

    assert without_created_at(answer) == operator_json(
        answer["id"], "robot", kind="api_member", rate_limit="120/minute"
    )


def test_operator_create_second_owner_is_refused(
    runner: FlaskCliRunner, staff: str
) -> None:
    """Only one operator is the account holder."""
    first = invoke(runner, "operator", "create", "bob", "--profile", staff, "--owner")
    assert first["owner"] is True

    result = runner.invoke(
        args=["operator", "create", "carol", "--profile", staff, "--owner", "--json"]
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "already an owner" in result.stderr


def test_operator_set_inactive_stops_the_password_grant(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, staff: str
) -> None:
    """--inactive takes effect at the next token request; --active undoes it."""
    _, secret = oauth_actions.oauth_client()
    created = invoke(runner, "operator", "create", "bob", "--profile", staff)
    password = created["password"]

    answer = invoke(runner, "operator", "set", "bob", "--inactive")

    assert without_created_at(answer) == operator_json(created["id"], active=False)
    refused = oauth_actions.password_grant("script", secret, "bob", password)
    assert refused.status_code == 400
    assert refused.json["error"] == "invalid_grant"
    assert invoke(runner, "operator", "set", "bob", "--active")["active"] is True
    allowed = oauth_actions.password_grant("script", secret, "bob", password)
    assert allowed.status_code == 200, allowed.json


def test_operator_set_profile_moves_the_operator(
    runner: FlaskCliRunner, staff: str
) -> None:
    """--profile names an existing profile."""
    created = invoke(runner, "operator", "create", "bob", "--profile", staff)
    invoke(runner, "profile", "create", "readers", "--no-api-access")

    answer = invoke(runner, "operator", "set", "bob", "--profile", "readers")

    assert without_created_at(answer) == operator_json(created["id"], profile="readers")


def test_operator_set_rate_limit_reaches_introspection_and_empty_restores_default(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, staff: str
) -> None:
    """--rate-limit changes the next introspection's limit; "" goes back to 30/minute."""
    _, secret = oauth_actions.oauth_client()
    caller = oauth_actions.resource_server()
    created = invoke(runner, "operator", "create", "bob", "--profile", staff)
    token = oauth_actions.password_grant(
        "script", secret, "bob", created["password"]
    ).json["access_token"]
    assert oauth_actions.introspect(caller, token).json["rate_limit"]["limit"] == 30

    answer = invoke(runner, "operator", "set", "bob", "--rate-limit", "5/second")

    assert without_created_at(answer) == operator_json(
        created["id"], rate_limit="5/second"
    )
    assert oauth_actions.introspect(caller, token).json["rate_limit"]["limit"] == 5

    answer = invoke(runner, "operator", "set", "bob", "--rate-limit", "")

    assert without_created_at(answer) == operator_json(created["id"])
    assert oauth_actions.introspect(caller, token).json["rate_limit"]["limit"] == 30


# -- clients ---------------------------------------------------------------


@pytest.fixture
def bob(oauth_actions: OAuthActions) -> tuple[str, str]:
    """A person allowed to use the API: (username, password)."""
    _, password = oauth_actions.operator("bob")
    return "bob", password


def test_client_create_prints_a_generated_secret_that_works(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, bob: tuple[str, str]
) -> None:
    """The generated secret has its kind prefix and 256 random bits, base64url."""
    answer = invoke(runner, "client", "create", "script")

    secret = answer.pop("client_secret")
    assert CLIENT_SECRET.fullmatch(secret)
    assert without_created_at(answer) == client_json()
    response = oauth_actions.password_grant("script", secret, *bob)
    assert response.status_code == 200, response.json
    assert response.json["expires_in"] == 3600
    assert "refresh_token" in response.json


def test_client_create_reads_the_secret_from_stdin_and_prints_none(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, bob: tuple[str, str]
) -> None:
    """--secret-stdin: the admin's secret works and is never echoed."""
    answer = invoke(
        runner, "client", "create", "script", "--secret-stdin", input="s3cret-of-mine\n"
    )

    assert without_created_at(answer) == client_json()
    response = oauth_actions.password_grant("script", "s3cret-of-mine", *bob)
    assert response.status_code == 200, response.json


def test_client_create_lifetimes_are_durations(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, bob: tuple[str, str]
) -> None:
    """1h30m is 5400 s and 30d is 2592000 s; tokens carry the access lifetime."""
    answer = invoke(
        runner,
        "client",
        "create",
        "script",
        "--access-ttl",
        "1h30m",
        "--refresh-ttl",
        "7d",
    )

    secret = answer.pop("client_secret")
    assert without_created_at(answer) == client_json(
        access_token_ttl=5400, refresh_token_ttl=7 * 86400
    )
    response = oauth_actions.password_grant("script", secret, *bob)
    assert response.json["expires_in"] == 5400
    answer = invoke(runner, "client", "create", "other", "--refresh-ttl", "30d")
    assert answer["refresh_token_ttl"] == 2592000


def test_client_create_without_password_grant_or_refresh_tokens(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, bob: tuple[str, str]
) -> None:
    """--no-password-grant refuses the grant; --no-refresh-token issues none."""
    locked = invoke(runner, "client", "create", "locked", "--no-password-grant")
    short = invoke(runner, "client", "create", "short", "--no-refresh-token")
    locked_secret = locked.pop("client_secret")
    short_secret = short.pop("client_secret")

    assert without_created_at(locked) == client_json("locked", password_grant=False)
    assert without_created_at(short) == client_json("short", refresh_tokens=False)
    refused = oauth_actions.password_grant("locked", locked_secret, *bob)
    assert refused.status_code == 400
    assert refused.json["error"] == "unauthorized_client"
    issued = oauth_actions.password_grant("short", short_secret, *bob)
    assert issued.status_code == 200, issued.json
    assert "refresh_token" not in issued.json


def test_client_create_introspect_lets_the_client_introspect(
    runner: FlaskCliRunner, oauth_actions: OAuthActions
) -> None:
    """--introspect registers a resource server; others are refused."""
    token = oauth_actions.login()["access_token"]
    resource = invoke(runner, "client", "create", "api", "--introspect")
    plain = invoke(runner, "client", "create", "plain")

    assert resource["introspect"] is True
    allowed = oauth_actions.introspect(("api", resource["client_secret"]), token)
    assert allowed.status_code == 200
    assert allowed.json["active"] is True
    refused = oauth_actions.introspect(("plain", plain["client_secret"]), token)
    assert refused.status_code == 403
    assert refused.json["error"] == "unauthorized_client"


def test_client_list_and_show_never_contain_a_secret(
    runner: FlaskCliRunner,
) -> None:
    """Only create and rotate-secret print a secret; nothing prints a hash."""
    invoke(runner, "client", "create", "script")
    invoke(runner, "client", "create", "api", "--introspect")

    listed = invoke(runner, "client", "list")
    shown = invoke(runner, "client", "show", "api")

    assert keys_naming_secrets(listed) == set()
    assert keys_naming_secrets(shown) == set()
    assert [without_created_at(c) for c in listed["clients"]] == [
        client_json("api", introspect=True, password_grant=False),
        client_json("script"),
    ]
    assert without_created_at(shown) == client_json(
        "api", introspect=True, password_grant=False
    )


def test_client_list_is_empty_on_a_fresh_database(runner: FlaskCliRunner) -> None:
    """An empty list is still one JSON object."""
    assert invoke(runner, "client", "list") == {"clients": []}


def test_client_delete_makes_its_tokens_inactive(
    runner: FlaskCliRunner, oauth_actions: OAuthActions
) -> None:
    """RFC 7662 §2.2: after the delete, introspection says only inactive."""
    token = oauth_actions.login()["access_token"]
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, token).json["active"] is True

    assert invoke(runner, "client", "delete", "script") == {
        "client_id": "script",
        "deleted": True,
    }

    response = oauth_actions.introspect(caller, token)
    assert response.status_code == 200
    assert response.json == {"active": False}
    assert [c["client_id"] for c in invoke(runner, "client", "list")["clients"]] == [
        "resource-api"
    ]


def test_client_rotate_secret_replaces_the_old_secret(
    runner: FlaskCliRunner, oauth_actions: OAuthActions, bob: tuple[str, str]
) -> None:
    """The old secret fails with 401 invalid_client at once; the new one works."""
    old = invoke(runner, "client", "create", "script")["client_secret"]
    # A first success puts the verified secret in the hot cache.
    assert oauth_actions.password_grant("script", old, *bob).status_code == 200

    answer = invoke(runner, "client", "rotate-secret", "script")

    new = answer.pop("client_secret")
    assert CLIENT_SECRET.fullmatch(new)
    assert new != old
    assert without_created_at(answer) == client_json(
        last_used_at=answer["last_used_at"]
    )
    assert ISO_UTC.fullmatch(answer["last_used_at"])
    refused = oauth_actions.password_grant("script", old, *bob)
    assert refused.status_code == 401
    assert refused.json["error"] == "invalid_client"
    assert "WWW-Authenticate" in refused.headers
    assert oauth_actions.password_grant("script", new, *bob).status_code == 200


# -- bad input -------------------------------------------------------------


BAD_INPUT = [
    pytest.param(["operator", "create", "dave", "--profile", "nope"], None, id="unknown-profile"),
    pytest.param(["operator", "set", "carol", "--profile", "nope"], None, id="set-unknown-profile"),
    pytest.param(["operator", "set", "nobody", "--inactive"], None, id="unknown-operator"),
    pytest.param(["operator", "create", "carol", "--profile", "staff"], None, id="duplicate-operator"),
    pytest.param(["operator", "create", "dave", "--profile", "staff", "--owner"], None, id="second-owner"),
    pytest.param(["operator", "create", "dave", "--profile", "staff", "--rate-limit", "lots"], None, id="create-rate-limit-lots"),
    pytest.param(["operator", "set", "carol", "--rate-limit", "lots"], None, id="set-rate-limit-lots"),
    pytest.param(["operator", "create", "dave", "--profile", "staff", "--password-stdin"], "\n", id="empty-password"),
    pytest.param(["operator", "create", "dave", "--profile", "staff", "--kind", "robot"], None, id="unknown-kind"),
    pytest.param(["profile", "create", "staff"], None, id="duplicate-profile"),
    pytest.param(["client", "create", "script"], None, id="duplicate-client"),
    pytest.param(["client", "create", "new", "--access-ttl", "5q"], None, id="duration-5q"),
    pytest.param(["client", "create", "new", "--access-ttl", "0m"], None, id="duration-0m"),
    pytest.param(["client", "create", "new", "--refresh-ttl", ""], None, id="duration-empty"),
    pytest.param(["client", "create", "new", "--refresh-ttl", "1h30"], None, id="duration-no-unit"),
    pytest.param(
        ["client", "create", "new", "--access-ttl", HUGE_DURATION],
        None,
        id="duration-too-long",
    ),
    pytest.param(["client", "create", "new", "--secret-stdin"], "\n", id="empty-secret"),
    pytest.param(["client", "create", "new", "--secret-stdin"], "", id="no-secret"),
    pytest.param(["client", "create", "bad id"], None, id="client-id-with-space"),
    # Each name is a path segment of the API: "/" could never be addressed.
    pytest.param(["client", "create", "a/b"], None, id="client-id-with-slash"),
    pytest.param(["client", "create", ".."], None, id="client-id-dot-dot"),
    pytest.param(["profile", "create", "."], None, id="profile-name-dot"),
    # Basic form-encodes a secret (RFC 6749 §2.3.1); curl -u does not.
    pytest.param(["client", "create", "new", "--secret-stdin"], "a+b\n", id="plus"),
    pytest.param(["client", "create", "new", "--secret-stdin"], "100%\n", id="pct"),
    pytest.param(["profile", "create", "a/b"], None, id="profile-name-with-slash"),
    pytest.param(
        ["operator", "create", "a:b", "--profile", "staff"], None, id="username-colon"
    ),
    pytest.param(["client", "show", "nope"], None, id="show-unknown-client"),
    pytest.param(["client", "delete", "nope"], None, id="delete-unknown-client"),
    pytest.param(["client", "rotate-secret", "nope"], None, id="rotate-unknown-client"),
    pytest.param(["operator", "show", "nope"], None, id="show-unknown-operator"),
    pytest.param(["operator", "delete", "nope"], None, id="delete-unknown-operator"),
    pytest.param(["operator", "delete", "carol"], None, id="delete-the-owner"),
    pytest.param(["profile", "show", "nope"], None, id="show-unknown-profile"),
    pytest.param(["profile", "delete", "staff"], None, id="delete-a-held-profile"),
]  # fmt: skip


def state(app: Flask, runner: FlaskCliRunner) -> tuple[dict, list]:
    """Everything the commands above could write, to compare before and after."""
    clients = invoke(runner, "client", "list")
    with app.app_context():
        operators = [
            (o.username, o.is_active, o.is_owner, o.rate_limit, o.profile.name)
            for o in db.session.scalars(select(Operator).order_by(Operator.id))
        ]
    return clients, operators


@pytest.fixture
def populated(runner: FlaskCliRunner) -> None:
    """A profile `staff`, an owner `carol` and a client `script`."""
    invoke(runner, "profile", "create", "staff")
    invoke(runner, "operator", "create", "carol", "--profile", "staff", "--owner")
    invoke(runner, "client", "create", "script")


@pytest.mark.usefixtures("populated")
@pytest.mark.parametrize(("args", "stdin"), BAD_INPUT)
def test_bad_input_exits_2_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, args: list[str], stdin: str | None
) -> None:
    """Bad input is a usage error: status 2, nothing on stdout, nothing written."""
    before = state(app, runner)

    result = runner.invoke(args=[*args, "--json"], input=stdin)

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error:" in result.stderr
    assert state(app, runner) == before


# -- the installed console script --------------------------------------------


def _find_idp() -> str | None:
    return shutil.which("idp", path=os.path.join(sys.prefix, "bin")) or shutil.which(
        "idp"
    )


IDP = _find_idp()


class Script:
    """The real `idp` script on a SQLite file of its own."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = f"sqlite:///{directory / 'idp.sqlite3'}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        self.env["IDP_DATABASE_URL"] = self.url

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [IDP, *args],
            input=input or "",
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.directory,
            timeout=60,
        )

    def json(self, *args: str, input: str | None = None) -> dict:
        done = self.run(*args, "--json", input=input)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Script:
    """An initialised database with a profile `staff` and a client `script`."""
    if IDP is None:
        pytest.skip("the idp console script is not installed")
    script = Script(tmp_path_factory.mktemp("script"))
    assert script.json("init") == {"status": "ok", "database": script.url}
    script.json("profile", "create", "staff")
    script.json("client", "create", "script", "--access-ttl", "1h30m")
    return script


def test_script_init_twice_keeps_the_data(script: Script) -> None:
    """`idp init` is safe to run again: same answer, clients still there."""
    assert script.json("init") == {"status": "ok", "database": script.url}

    clients = script.json("client", "list")["clients"]
    assert [(c["client_id"], c["access_token_ttl"]) for c in clients] == [
        ("script", 5400)
    ]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["operator", "create", "bob", "--profile", "nope"], None),
        (["client", "create", "script"], None),
        (["client", "create", "new", "--access-ttl", "5q"], None),
        (["operator", "create", "bob", "--profile", "staff", "--rate-limit", "lots"], None),
        (["client", "create", "new", "--secret-stdin"], "\n"),
        (["no-such-command"], None),
    ],
    ids=["unknown-profile", "duplicate-client", "duration", "rate-limit", "empty-secret", "unknown-command"],
)  # fmt: skip
def test_script_bad_input_is_one_line_on_stderr_and_status_2(
    script: Script, args: list[str], stdin: str | None
) -> None:
    """Scripts see status 2 and one `idp: error:` line, never a usage page."""
    done = script.run(*args, "--json", input=stdin)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("idp: error: ")
    assert done.stderr.count("\n") == 1
    assert done.stderr.endswith("\n")


def test_help_lists_idp_commands_not_flasks(script: Script) -> None:
    """Flask's server, shell and routes, and its --app option, are not idp's."""
    done = script.run("--help")
    assert done.returncode == 0, done.stderr
    listed = set(re.findall(r"^  ([a-z][a-z-]+) ", done.stdout, re.MULTILINE))
    assert {"init", "serve", "client", "operator", "profile", "pat"} <= listed
    assert not {"run", "shell", "routes", "db"} & listed
    assert "--app" not in done.stdout and "--env-file" not in done.stdout
    assert script.run("db", "downgrade").returncode == 2


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("sqlite:///{tmp}/missing/dir/idp.sqlite3", 1, "unable to open database file"),
        ("sqlite:///{tmp}/empty.sqlite3", 1, "run `idp init`"),
        ("postgresql://idp:hunter2@127.0.0.1:1/idp", 1, "Connection refused"),
        ("postgres://no_such_role_here@127.0.0.1:5432/idp", 1, "no_such_role_here"),
        ("postgres://postgres@127.0.0.1:5432/no_such_db_here", 1, "no_such_db_here"),
        ("not a url", 2, "IDP_DATABASE_URL is not a database URL"),
    ],
    ids=["sqlite-folder", "no-schema", "unreachable", "role", "database", "garbage"],
)
def test_database_errors_are_one_line_without_a_traceback(
    script: Script, tmp_path: Path, url: str, status: int, says: str
) -> None:
    script.env["IDP_DATABASE_URL"] = url.format(tmp=tmp_path)
    try:
        done = script.run("client", "list")
    finally:
        script.env["IDP_DATABASE_URL"] = script.url
    assert done.returncode == status, done.stderr
    assert done.stderr.startswith("idp: error: ") and done.stderr.count("\n") == 1
    assert says in done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr


def test_postgres_urls_of_every_spelling_reach_psycopg() -> None:
    from idp.config import driver_url

    for url in ("postgres://u@h/d", "postgresql://u@h/d", "postgresql+psycopg://u@h/d"):
        assert driver_url(url) == "postgresql+psycopg://u@h/d"
    assert driver_url("sqlite:////x/idp.sqlite3") == "sqlite:////x/idp.sqlite3"


def test_operators_and_profiles_list_show_and_delete(
    runner: FlaskCliRunner, oauth_actions: OAuthActions
) -> None:
    """Like clients: list and show print what create printed (never a password);
    deleting an operator ends its credentials at once; a profile goes once unheld."""
    invoke(runner, "profile", "create", "staff")
    created = invoke(runner, "operator", "create", "bob", "--profile", "staff")
    password = created.pop("password")
    assert invoke(runner, "operator", "show", "bob") == created
    listed = invoke(runner, "operator", "list")["operators"]
    assert listed == [created] and password not in json.dumps(listed)
    profile = invoke(runner, "profile", "show", "staff")
    assert invoke(runner, "profile", "list")["profiles"] == [profile]

    _, secret = oauth_actions.oauth_client("script")
    token = oauth_actions.password_grant("script", secret, "bob", password).json
    caller = oauth_actions.resource_server()
    assert oauth_actions.introspect(caller, token["access_token"]).json["active"]

    assert invoke(runner, "operator", "delete", "bob") == {
        "username": "bob",
        "deleted": True,
    }
    assert oauth_actions.introspect(caller, token["access_token"]).json == {
        "active": False
    }
    assert invoke(runner, "operator", "list")["operators"] == []
    assert invoke(runner, "profile", "delete", "staff") == {
        "name": "staff",
        "deleted": True,
    }
    assert invoke(runner, "profile", "list")["profiles"] == []
