"""Configuration: defaults, then a TOML file, then IDP_* variables, then overrides.

No database is touched: each test builds its app with ``create_app`` directly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from idp import create_app
from idp.errors import ConfigError

IN_MEMORY = {"DATABASE_URL": "sqlite://"}
TESTING = {"TESTING": True, **IN_MEMORY}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No IDP_* variable from the shell reaches these tests."""
    for name in list(os.environ):
        if name.startswith("IDP_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_apply_without_file_or_variables() -> None:
    """The documented table is what an unconfigured app runs with."""
    app = create_app(TESTING)

    assert app.config["RATE_LIMIT"] == "30/minute"
    assert app.config["REFRESH_GRACE_SECONDS"] == 5
    assert app.config["REDIS_URL"] is None
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_rate_limit_variable_reaches_config_and_limiter(
    environment: pytest.MonkeyPatch,
) -> None:
    """IDP_RATE_LIMIT becomes RATE_LIMIT and the limiter's default."""
    environment.setenv("IDP_RATE_LIMIT", "120/minute")

    app = create_app(TESTING)

    assert app.config["RATE_LIMIT"] == "120/minute"
    assert app.extensions["idp.ratelimit"].default == "120/minute"


def test_variables_are_read_as_json_where_they_parse(
    environment: pytest.MonkeyPatch,
) -> None:
    """Numbers and lists come through typed; URLs stay strings."""
    environment.setenv("IDP_REFRESH_GRACE_SECONDS", "10")
    environment.setenv("IDP_MODULES", '["tickets", "companies"]')
    environment.setenv("IDP_DATABASE_URL", "sqlite://")
    environment.setenv("IDP_REDIS_URL", "redis://127.0.0.1:6379/3")

    app = create_app({"TESTING": True})

    assert app.config["REFRESH_GRACE_SECONDS"] == 10
    assert app.config["MODULES"] == ["tickets", "companies"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/3"


def test_overrides_win_over_variables(environment: pytest.MonkeyPatch) -> None:
    """What create_app is given beats the environment."""
    environment.setenv("IDP_RATE_LIMIT", "120/minute")

    app = create_app({**TESTING, "RATE_LIMIT": "5/second"})

    assert app.config["RATE_LIMIT"] == "5/second"


def test_unknown_variable_stops_startup(environment: pytest.MonkeyPatch) -> None:
    """A typo in an IDP_ name never falls back silently to a default."""
    environment.setenv("IDP_FOO", "1")

    with pytest.raises(ConfigError, match="Unknown setting IDP_FOO"):
        create_app(TESTING)


def test_unknown_variable_stops_the_command_too(
    environment: pytest.MonkeyPatch,
) -> None:
    """The `idp` command reads the same table."""
    environment.setenv("IDP_RATE_LIMT", "5/second")

    with pytest.raises(ConfigError, match="IDP_RATE_LIMT"):
        create_app(IN_MEMORY, serving=False)


def test_missing_secret_key_stops_the_server() -> None:
    """Outside testing a server needs IDP_SECRET_KEY."""
    with pytest.raises(ConfigError, match="IDP_SECRET_KEY"):
        create_app(IN_MEMORY)


def test_missing_secret_key_is_fine_for_the_command() -> None:
    """`idp` commands (serving=False) sign nothing."""
    app = create_app(IN_MEMORY, serving=False)

    assert app.config["SECRET_KEY"] is None


def test_secret_key_variable_lets_the_server_start(
    environment: pytest.MonkeyPatch,
) -> None:
    """IDP_SECRET_KEY is enough outside testing."""
    environment.setenv("IDP_SECRET_KEY", "a-long-random-key")

    app = create_app(IN_MEMORY)

    assert app.config["SECRET_KEY"] == "a-long-random-key"


@pytest.mark.parametrize("value", ["lots", "30 per fortnight", ""])
def test_invalid_rate_limit_variable_stops_startup(
    environment: pytest.MonkeyPatch, value: str
) -> None:
    """IDP_RATE_LIMIT must be in the `limits` notation."""
    environment.setenv("IDP_RATE_LIMIT", value)

    with pytest.raises(ConfigError, match="IDP_RATE_LIMIT"):
        create_app(TESTING)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"RATE_LIMIT": "lots", "TESTING": True}, "IDP_RATE_LIMIT"),
        ({"PASSWORD_HASHING": "fast", "SECRET_KEY": "k"}, "IDP_PASSWORD_HASHING"),
        ({"PASSWORD_HASHING": "none", "TESTING": True}, "IDP_PASSWORD_HASHING"),
        ({"MODULES": "tickets", "TESTING": True}, "IDP_MODULES"),
        ({"MODULES": [""], "TESTING": True}, "IDP_MODULES"),
    ],
    ids=["rate-limit", "fast-hashing-outside-tests", "unknown-hashing", "modules-string", "modules-empty-name"],
)  # fmt: skip
def test_configuration_that_cannot_work_stops_startup(
    overrides: dict, message: str
) -> None:
    """check_config names the offending key in one line."""
    with pytest.raises(ConfigError, match=message) as raised:
        create_app({**IN_MEMORY, **overrides})

    assert "\n" not in str(raised.value)


def test_fast_password_hashing_is_allowed_in_tests() -> None:
    """The cheap argon2 profile exists for test suites only."""
    app = create_app({**TESTING, "PASSWORD_HASHING": "fast"})

    assert app.config["PASSWORD_HASHING"] == "fast"


def test_config_file_is_read_and_variables_win_over_it(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """IDP_CONFIG_FILE names a TOML file; IDP_* variables beat its values."""
    config_file = tmp_path / "idp.toml"
    config_file.write_text(
        'RATE_LIMIT = "5/minute"\n'
        'ISSUER = "https://idp.example.com"\n'
        "REFRESH_GRACE_SECONDS = 2\n"
        'DATABASE_URL = "sqlite://"\n'
    )
    environment.setenv("IDP_CONFIG_FILE", str(config_file))
    environment.setenv("IDP_RATE_LIMIT", "7/minute")

    app = create_app({"TESTING": True})

    assert app.config["RATE_LIMIT"] == "7/minute"
    assert app.config["ISSUER"] == "https://idp.example.com"
    assert app.config["REFRESH_GRACE_SECONDS"] == 2
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_invalid_value_in_config_file_stops_startup(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A file's values go through the same checks as the environment's."""
    config_file = tmp_path / "idp.toml"
    config_file.write_text('RATE_LIMIT = "lots"\n')
    environment.setenv("IDP_CONFIG_FILE", str(config_file))

    with pytest.raises(ConfigError, match="IDP_RATE_LIMIT"):
        create_app(TESTING)


def test_default_database_is_a_sqlite_file_in_the_instance_folder(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No DATABASE_URL: instance/idp.sqlite3, with the folder created."""
    instance = tmp_path / "instance"
    environment.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))

    app = create_app({"TESTING": True})

    expected = f"sqlite:///{instance / 'idp.sqlite3'}"
    assert app.config["DATABASE_URL"] == expected
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    assert expected.endswith("instance/idp.sqlite3")
    assert instance.is_dir()
    assert not (instance / "idp.sqlite3").exists()


def test_without_redis_rate_limits_count_in_process() -> None:
    """No IDP_REDIS_URL: an in-memory limiter store, as the server warns."""
    app = create_app(TESTING)

    storage = app.extensions["idp.ratelimit"].storage
    assert type(storage).__name__ == "MemoryStorage"


def test_relative_config_file_is_read_from_the_working_directory(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """IDP_CONFIG_FILE=config/prod.toml means the file the shell sees."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "prod.toml").write_text('RATE_LIMIT = "5/minute"\n')
    environment.chdir(tmp_path)
    environment.setenv("IDP_CONFIG_FILE", "config/prod.toml")

    app = create_app(TESTING)

    assert app.config["RATE_LIMIT"] == "5/minute"


@pytest.mark.parametrize(
    ("name", "content"),
    [("missing.toml", None), ("broken.toml", "RATE_LIMIT = \n")],
    ids=["missing", "not-toml"],
)
def test_unreadable_config_file_stops_startup_with_one_line(
    environment: pytest.MonkeyPatch, tmp_path: Path, name: str, content: str | None
) -> None:
    """A config file that cannot be read is a ConfigError naming IDP_CONFIG_FILE."""
    if content is not None:
        (tmp_path / name).write_text(content)
    environment.setenv("IDP_CONFIG_FILE", str(tmp_path / name))

    with pytest.raises(ConfigError, match="IDP_CONFIG_FILE"):
        create_app(TESTING)


def test_unknown_key_in_config_file_stops_startup(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A typo in the file is refused like a typo in a variable."""
    config_file = tmp_path / "idp.toml"
    config_file.write_text('RATE_LIMT = "5/minute"\n')
    environment.setenv("IDP_CONFIG_FILE", str(config_file))

    with pytest.raises(ConfigError, match="RATE_LIMT"):
        create_app(TESTING)


def test_sdk_variables_may_share_the_environment(
    environment: pytest.MonkeyPatch,
) -> None:
    """IDP_URL and friends belong to the resource-server SDK, not to idp."""
    for name in ("IDP_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET", "IDP_TIMEOUT"):
        environment.setenv(name, "x")

    app = create_app(TESTING)

    assert "URL" not in app.config
    assert "CLIENT_ID" not in app.config
