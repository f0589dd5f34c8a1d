"""Per-operator rate limits, counted with the `limits` library."""

from __future__ import annotations

import logging
import secrets

from flask import Flask
from flask import current_app
from limits.storage import storage_from_string

from idp.ratelimit.failures import FailureThrottle
from idp.ratelimit.limiter import OperatorLimiter
from idp.ratelimit.limiter import Window
from idp.ratelimit.login import LoginThrottle
from idp.ratelimit.storage import ClientStorage
from idp.security import derived_key

__all__ = [
    "FailureThrottle",
    "LoginThrottle",
    "OperatorLimiter",
    "Window",
    "failure_throttle",
    "init_app",
    "limiter",
    "login_throttle",
]

log = logging.getLogger(__name__)


def init_app(app: Flask, *, serving: bool = True) -> None:
    """Count in Redis when ``REDIS_URL`` is set, else in this process only."""
    client = app.extensions["idp.redis"] if app.config["REDIS_URL"] else None
    if client is not None:
        storage = ClientStorage(
            client, key_prefix=f"{app.config['REDIS_KEY_PREFIX']}:ratelimit"
        )
    else:
        storage = storage_from_string("memory://")
        if serving and not app.config.get("TESTING"):
            log.warning(
                "IDP_REDIS_URL is not set: rate limits are counted in this process "
                "only, which is right for a single process and wrong for several"
            )
    app.extensions["idp.ratelimit"] = OperatorLimiter(
        storage,
        default=str(app.config["RATE_LIMIT"]),
        client=client,
        prefix=app.config["REDIS_KEY_PREFIX"],
    )
    app.extensions["idp.failure_throttle"] = FailureThrottle(storage)
    # Workers share the throttle's counters, so their keys must agree; only a
    # server must have IDP_SECRET_KEY (idp.config), and without one (the CLI,
    # tests) nothing signs in across processes, so a key of this one will do.
    secret_key = app.config["SECRET_KEY"]
    app.extensions["idp.login_throttle"] = LoginThrottle(
        storage,
        str(app.config["LOGIN_FAILURE_LIMIT"]),
        (
            derived_key(secret_key, "idp login throttle")
            if secret_key
            else secrets.token_bytes(32)
        ),
    )


def limiter() -> OperatorLimiter:
    return current_app.extensions["idp.ratelimit"]


def failure_throttle() -> FailureThrottle:
    return current_app.extensions["idp.failure_throttle"]


def login_throttle() -> LoginThrottle:
    return current_app.extensions["idp.login_throttle"]
