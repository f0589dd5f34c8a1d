"""The app's Redis client, if ``REDIS_URL`` names one.

Every (re)connection makes this process doubt what it remembers (idp.changes):
Redis restarted, or came back after a hang, may have lost the head of the change
log, and a change made meanwhile may never have reached it.
"""

from __future__ import annotations

import redis
from flask import Flask
from flask import current_app


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    app.extensions["idp.redis"] = _connect(app, url) if url else None


def store() -> redis.Redis | None:
    return current_app.extensions["idp.redis"]


def _connect(app: Flask, url: str) -> redis.Redis:
    memory = app.extensions["idp.memory"]
    timeout = float(app.config["REDIS_TIMEOUT"])

    def on_connect(connection) -> None:
        connection.on_connect()
        memory.doubt = True

    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        redis_connect_func=on_connect,
    )
