"""`idp module create/list/delete`, and `idp init` applying IDP_MODULES."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.test_cli import IDP
from tests.test_cli import Script
from tests.test_cli import invoke
from tests.test_cli import without_created_at

NONE = {"add": "none", "edit": "none", "delete": "none", "inquire": "none"}


def module_names(runner: FlaskCliRunner) -> list[str]:
    return [module["name"] for module in invoke(runner, "module", "list")["modules"]]


def test_create_list_delete(runner: FlaskCliRunner) -> None:
    assert without_created_at(invoke(runner, "module", "create", "tickets")) == {
        "name": "tickets"
    }
    invoke(runner, "module", "create", "companies")

    assert module_names(runner) == ["companies", "tickets"]
    assert invoke(runner, "module", "delete", "companies") == {
        "name": "companies",
        "deleted": True,
    }
    assert module_names(runner) == ["tickets"]


def test_without_json_each_module_is_a_line(runner: FlaskCliRunner) -> None:
    invoke(runner, "module", "create", "tickets")

    result = runner.invoke(args=["module", "list"])

    assert result.exit_code == 0
    assert result.stdout.startswith("modules:\n  name=tickets, created_at=")


def test_a_new_module_shows_at_none_in_profiles(runner: FlaskCliRunner) -> None:
    invoke(runner, "profile", "create", "staff")

    invoke(runner, "module", "create", "tickets")

    answer = invoke(runner, "profile", "set", "staff", "--module", "tickets")
    assert answer["modules"] == {"tickets": NONE}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("module", "create", "a/b"), "letters, digits"),
        (("module", "create", ""), "empty"),
        (("module", "create", "x" * 81), "at most 80"),
        (("module", "delete", "nope"), "No module named 'nope'"),
        (("module", "create", "tickets"), "already exists"),
        (("module", "delete", "tickets"), "used by the profiles staff"),
        (("profile", "set", "staff", "--module", "payroll", "--add", "all"), "payroll"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    runner: FlaskCliRunner, args: tuple[str, ...], message: str
) -> None:
    invoke(runner, "module", "create", "tickets")
    invoke(runner, "profile", "create", "staff")
    invoke(runner, "profile", "set", "staff", "--module", "tickets", "--add", "own")

    result = runner.invoke(args=[*args, "--json"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert module_names(runner) == ["tickets"]


def test_init_creates_the_missing_modules_of_idp_modules(
    app: Flask, runner: FlaskCliRunner, database_url: str
) -> None:
    """Those already there, and others made since, stay as they are."""
    invoke(runner, "module", "create", "billing")
    app.config["MODULES"] = ["tickets", "billing", "tickets", "companies"]

    first = invoke(runner, "init")
    again = invoke(runner, "init")

    assert first == {
        "status": "ok",
        "database": database_url,
        "modules_created": ["tickets", "companies"],
    }
    assert again == {"status": "ok", "database": database_url}
    assert module_names(runner) == ["billing", "companies", "tickets"]


def test_init_refuses_a_bad_module_name(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["MODULES"] = ["tickets", "a b"]

    result = runner.invoke(args=["init", "--json"])

    assert result.exit_code == 2
    assert "IDP_MODULES" in result.stderr
    assert module_names(runner) == []


@pytest.mark.skipif(IDP is None, reason="the idp console script is not installed")
def test_the_idp_script_applies_idp_modules_at_init(tmp_path) -> None:
    """The real script, in its own process: IDP_MODULES reaches the database."""
    script = Script(tmp_path)
    script.env["IDP_MODULES"] = json.dumps(["tickets", "companies"])

    assert script.json("init")["modules_created"] == ["tickets", "companies"]

    del script.env["IDP_MODULES"]
    listed = script.json("module", "list")["modules"]
    assert [module["name"] for module in listed] == ["companies", "tickets"]
    refused = script.run("module", "create", "a:b")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
