"""Configuration: one table of defaults, then a TOML file, then ``IDP_*`` variables.

Every key idp reads is listed in :data:`DEFAULTS`; an ``IDP_`` variable naming any
other key stops startup, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import json
import os
import tomllib
from typing import TYPE_CHECKING
from typing import Any

import limits
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from idp.errors import ConfigError
from idp.store import parse_url as parse_redis_url
from idp.timeutil import parse_duration
from idp.webhooks.schedule import parse_schedule
from idp.webhooks.ssrf import parse_networks

if TYPE_CHECKING:
    from flask import Config

DEFAULTS: dict[str, Any] = {
    # Signs console sessions and keys the in-process secret caches. Required
    # outside testing: `make run` keeps a generated one in instance/secret_key.
    "SECRET_KEY": None,
    # SQLAlchemy URL. None means a SQLite file under the instance folder.
    "DATABASE_URL": None,
    # Redis for rate-limit counters and cache invalidation: redis://host:port/db,
    # rediss://..., redis+cluster://host:port,host:port or
    # redis+sentinel://host:port,host:port/service[/db] (idp.store).
    # None means in-process stores: correct for a single process only.
    "REDIS_URL": None,
    # Prefix of every Redis key idp writes, so several deployments (or tests)
    # can share one Redis.
    "REDIS_KEY_PREFIX": "idp",
    # Seconds before a Redis command gives up; introspection then degrades as
    # documented in idp.ratelimit.
    "REDIS_TIMEOUT": 0.5,
    # The issuer identifier (RFC 8414 §2). None means the request's host URL.
    "ISSUER": None,
    # Default per-operator limit, in the `limits` notation ("30/minute").
    "RATE_LIMIT": "30/minute",
    # Failed logins (password grant, POST /register) one username may have
    # before every attempt fails until the window passes.
    "LOGIN_FAILURE_LIMIT": "10/15minutes",
    # Failed client authentications one client ID, or one source address, may
    # have before the next are refused (429) without checking the secret.
    "CLIENT_AUTH_FAILURE_LIMIT": "30/minute",
    # Reports of leaked secrets (POST /oauth/leaked) per source address.
    "LEAK_REPORT_LIMIT": "10/minute",
    # A just-rotated refresh token presented again within this many seconds is
    # refused without revoking its family (a client racing itself).
    "REFRESH_GRACE_SECONDS": 5,
    # Lifetimes given to a new client when the admin names none (seconds).
    "DEFAULT_ACCESS_TTL": 3600,
    "DEFAULT_REFRESH_TTL": 30 * 24 * 3600,
    # Modules `idp init` creates when missing; the modules themselves are
    # data (idp module create/list/delete, /api/v1/modules, the console).
    "MODULES": [],
    # A process reads the change log (idp.changes) at least this often even when
    # Redis says nothing changed: the bound on staleness should a change never
    # reach Redis while this process never noticed Redis failing.
    "CHANGES_POLL_SECONDS": 5,
    # Accept secrets issued before they carried a checksum (idp.security); turn
    # off once the last of them has expired or been revoked.
    "ACCEPT_UNCHECKSUMMED_SECRETS": True,
    # `idp purge` deletes tokens, keys and change-log rows dead for this long.
    "PURGE_RETENTION_SECONDS": 7 * 24 * 3600,
    # ...and audit records older than this (a duration such as 400d).
    "AUDIT_RETENTION": "400d",
    # Bearer token a Prometheus scraper sends to read /metrics; without one,
    # /metrics answers loopback only (and no request a proxy forwarded).
    "METRICS_TOKEN": None,
    # Log lines as "text" or "json" (one object per line, with the request ID)
    # from `idp serve` and `idp webhooks work`.
    "LOG_FORMAT": "text",
    # Bytes in a request body; larger ones get 413 before anything parses them.
    # No request idp reads comes near it.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Seconds to connect to the database, for a statement or a lock, and for a
    # pooled connection: past it the request answers 503 instead of hanging.
    "DATABASE_TIMEOUT": 5,
    # Seconds each read of a request body may wait for the client (under
    # gunicorn); a body that stalls longer gets 408 and frees its thread.
    "REQUEST_READ_TIMEOUT": 10,
    # Number of reverse proxies whose X-Forwarded-* headers are trusted.
    "TRUSTED_PROXIES": 0,
    # A console session ends after this many minutes without a request, and
    # after this many hours whatever happens.
    "CONSOLE_IDLE_MINUTES": 30,
    "CONSOLE_SESSION_HOURS": 12,
    # Whether /docs and /openapi.json are readable without signing in.
    "PUBLIC_DOCS": False,
    # argon2id cost: "default" (RFC 9106 low-memory) or "fast" (tests only).
    "PASSWORD_HASHING": "default",
    # Webhooks (idp.webhooks). Keys for the secrets idp stores to send them later:
    # comma-separated, the first encrypts; None derives one from SECRET_KEY.
    "ENCRYPTION_KEY": None,
    # CIDRs webhooks may reach although not globally routable ("127.0.0.1/32");
    # plain http is allowed only to these.
    "WEBHOOK_ALLOWED_NETWORKS": [],
    # Webhook delivery (idp.webhooks.worker, `idp webhooks work`). Waits after
    # each failed attempt (durations such as 5s, 30m, 2h, 1d): nine attempts.
    "WEBHOOK_RETRY_SCHEDULE": "5s,5m,30m,2h,5h,10h,10h,10h",
    # Seconds a worker holds a delivery it claimed; a killed worker's deliveries
    # are sent again after it. More than three times WEBHOOK_TIMEOUT.
    "WEBHOOK_LEASE_SECONDS": 60,
    # Seconds to connect and then to wait for each read of an answer.
    "WEBHOOK_TIMEOUT": 10,
    # How long deliveries are also signed with the secret before a rotation.
    "WEBHOOK_SECRET_OVERLAP": "24h",
    # An endpoint failing for this long without a success is disabled.
    "WEBHOOK_DISABLE_AFTER": "5d",
    # Deliveries (and their attempts) older than this are deleted by the worker.
    "WEBHOOK_RETENTION": "30d",
    # Days before a personal access token or API key expires that
    # credential.expiring is sent, once per credential.
    "WEBHOOK_EXPIRING_DAYS": 7,
}

ENV_PREFIX = "IDP"
#: Read by the resource-server SDK (clients/), which may share the environment.
SDK_VARIABLES = {"IDP_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET", "IDP_TIMEOUT"}


def load_config(
    app: Flask, overrides: dict[str, Any] | None = None, *, serving: bool = True
) -> None:
    """Fill ``app.config`` from defaults, ``IDP_CONFIG_FILE``, ``IDP_*`` and overrides."""
    app.config.update(DEFAULTS)
    config_file = os.environ.get("IDP_CONFIG_FILE")
    if config_file:
        app.config.update(_read_config_file(config_file))
    unknown = sorted(
        name[len(ENV_PREFIX) + 1 :]
        for name in os.environ
        if name.startswith(ENV_PREFIX + "_")
        and name[len(ENV_PREFIX) + 1 :] not in DEFAULTS
        and name != "IDP_CONFIG_FILE"
        and name not in SDK_VARIABLES
    )
    if unknown:
        raise ConfigError(f"Unknown setting IDP_{unknown[0]}; known: {_known()}")
    app.config.from_mapping(
        {
            name[len(ENV_PREFIX) + 1 :]: _parse_env(value)
            for name, value in os.environ.items()
            if name.startswith(ENV_PREFIX + "_")
            and name[len(ENV_PREFIX) + 1 :] in DEFAULTS
        }
    )
    app.config.update(overrides or {})
    check_config(app, serving=serving)


def check_config(app: Flask, *, serving: bool = True) -> None:
    """Refuse to start on a configuration that cannot work."""
    config = app.config
    testing = bool(config.get("TESTING"))
    if serving and not config["SECRET_KEY"] and not testing:
        raise ConfigError("IDP_SECRET_KEY is not set; see config/example.toml")
    if config["PASSWORD_HASHING"] not in ("default", "fast") or (
        config["PASSWORD_HASHING"] == "fast" and not testing
    ):
        raise ConfigError('IDP_PASSWORD_HASHING must be "default" outside tests')
    if config["DATABASE_URL"] is None:
        os.makedirs(app.instance_path, exist_ok=True)
        config["DATABASE_URL"] = "sqlite:///" + os.path.join(
            app.instance_path, "idp.sqlite3"
        )
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"] = driver_url(
        config["DATABASE_URL"]
    )
    for key in ("CONSOLE_IDLE_MINUTES", "CONSOLE_SESSION_HOURS"):
        if not isinstance(config[key], int | float) or config[key] <= 0:
            raise ConfigError(f"IDP_{key} must be a positive number")
    if config["LOG_FORMAT"] not in ("text", "json"):
        raise ConfigError('IDP_LOG_FORMAT must be "text" or "json"')
    token = config["METRICS_TOKEN"]
    if token is not None and len(str(token)) < 16:
        # Its value is never printed: a configuration error is logged.
        raise ConfigError("IDP_METRICS_TOKEN must be at least 16 characters long")
    if not isinstance(config["PUBLIC_DOCS"], bool):
        raise ConfigError("IDP_PUBLIC_DOCS must be true or false")
    for key in (
        "RATE_LIMIT",
        "LOGIN_FAILURE_LIMIT",
        "CLIENT_AUTH_FAILURE_LIMIT",
        "LEAK_REPORT_LIMIT",
    ):
        try:
            limits.parse(str(config[key]))
        except ValueError as error:
            raise ConfigError(f"IDP_{key} is invalid: {error}") from None
    if config["REDIS_URL"]:
        try:
            parse_redis_url(config["REDIS_URL"])
        except ValueError as error:
            # The reason names no credential: the URL itself is not repeated.
            raise ConfigError(f"IDP_REDIS_URL is invalid: {error}") from None
    if not isinstance(config["MODULES"], list) or not all(
        isinstance(name, str) and name for name in config["MODULES"]
    ):
        raise ConfigError('IDP_MODULES must be a JSON list of names: ["tickets"]')
    try:
        parse_networks(config["WEBHOOK_ALLOWED_NETWORKS"])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"IDP_WEBHOOK_ALLOWED_NETWORKS is invalid: {error}") from None
    _check_webhook_delivery(config)


def _check_webhook_delivery(config: Config) -> None:
    try:
        parse_schedule(config["WEBHOOK_RETRY_SCHEDULE"])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"IDP_WEBHOOK_RETRY_SCHEDULE is invalid: {error}") from None
    for key in (
        "WEBHOOK_LEASE_SECONDS",
        "WEBHOOK_TIMEOUT",
        "WEBHOOK_SECRET_OVERLAP",
        "WEBHOOK_DISABLE_AFTER",
        "WEBHOOK_RETENTION",
        "AUDIT_RETENTION",
    ):
        try:
            parse_duration(config[key])
        except (TypeError, ValueError) as error:
            raise ConfigError(f"IDP_{key} is invalid: {error}") from None
    days = config["WEBHOOK_EXPIRING_DAYS"]
    if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
        raise ConfigError("IDP_WEBHOOK_EXPIRING_DAYS must be a number of days above 0")
    # Connecting, the answer's head and its first KiB may each take the timeout.
    if parse_duration(config["WEBHOOK_TIMEOUT"]) * 3 >= parse_duration(
        config["WEBHOOK_LEASE_SECONDS"]
    ):
        raise ConfigError(
            "IDP_WEBHOOK_LEASE_SECONDS must be more than three times IDP_WEBHOOK_TIMEOUT, "
            "or a slow receiver would get a delivery twice at once"
        )


def _read_config_file(path: str) -> dict[str, Any]:
    """The settings of a TOML file; an unknown key is refused like an unknown variable."""
    try:
        with open(os.path.abspath(path), "rb") as file:
            settings = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"IDP_CONFIG_FILE {path}: {error}") from None
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"Unknown setting {unknown[0]} in {path}; known: {_known()}")
    return settings


def _parse_env(value: str) -> Any:
    """JSON when it parses (numbers, lists), else the string: Flask's rule."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _known() -> str:
    return ", ".join(sorted(DEFAULTS))


def driver_url(url: str) -> str:
    """``url`` with PostgreSQL's driver made explicit: psycopg 3, the one installed.

    Hosting platforms hand out ``postgres://`` (which SQLAlchemy does not know)
    and ``postgresql://`` (which some SQLAlchemy versions map to psycopg2).
    """
    scheme, separator, rest = str(url).partition("://")
    if separator and scheme in ("postgres", "postgresql"):
        url = f"postgresql+psycopg://{rest}"
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError(
            "IDP_DATABASE_URL is not a database URL "
            "(postgresql://user@host/name or sqlite:////path/idp.sqlite3)"
        ) from None
    return url
