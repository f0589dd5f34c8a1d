"""`make run`'s demo: the printed console URL and owner credentials sign in."""

from __future__ import annotations

import json

from idp.accounts import operators


def test_demo_prints_the_console_and_an_owner_who_signs_in(runner, console):
    result = runner.invoke(args=["demo", "--port", "5123"])
    assert result.exit_code == 0, result.output
    assert "open http://127.0.0.1:5123/console and sign in as demo" in result.output
    [password] = [
        line.split()[-1]
        for line in result.output.splitlines()
        if "password idp_pw_" in line
    ]
    assert console.sign_in("demo", password).status_code == 302
    assert "/console/clients" in console.text("/console")
    with console.app.app_context():
        assert operators.get_operator("demo").is_owner


def test_demo_json_names_the_console(runner):
    result = runner.invoke(args=["demo", "--json"])
    assert json.loads(result.output)["console"] == "http://127.0.0.1:5000/console"
