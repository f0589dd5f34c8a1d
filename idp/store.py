"""The app's Redis client, if ``REDIS_URL`` names one: one server, a Cluster, or Sentinel.

Every (re)connection makes this process doubt what it remembers (idp.changes):
Redis restarted, failed over, or came back after a hang, may have lost the head
of the change log, and a change made meanwhile may never have reached it.

The URLs are those `limits` reads (``redis://``, ``rediss://``,
``redis+cluster://h:p,h:p``, ``redis+sentinel://h:p,h:p/service[/db]``), and the
rate limits (idp.ratelimit) count over this same client.

On a Cluster, the keys one script touches must share a hash slot. Counters are
per operator and the change-log head is global, so the head is kept in
:data:`CLUSTER_TAGS` copies, one per hash tag, and each operator's counter
carries the tag of one copy (:func:`slot_tag`): introspection stays one round
trip, and operators spread over every master.
"""

from __future__ import annotations

import threading
import urllib.parse
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

import redis
from flask import Flask
from flask import current_app
from redis.cluster import ClusterNode
from redis.cluster import RedisCluster
from redis.connection import Encoder
from redis.crc import REDIS_CLUSTER_HASH_SLOTS
from redis.crc import key_slot
from redis.sentinel import Sentinel

if TYPE_CHECKING:
    from redis.connection import AbstractConnection

SCHEMES = ("redis", "rediss", "redis+cluster", "redis+sentinel")


def _spread_tags(count: int) -> tuple[str, ...]:
    """Hash tags whose slots sit evenly over the slot space, one per copy.

    ``redis-cli --cluster create`` gives each master an even, contiguous range of
    slots, so evenly spread tags land evenly on the masters.
    """
    width = REDIS_CLUSTER_HASH_SLOTS // count
    tags = []
    for index in range(count):
        low, high = index * width + width // 4, index * width + 3 * width // 4
        number = 0
        while not low <= key_slot(f"h{index}.{number}".encode()) < high:
            number += 1
        tags.append(f"{{h{index}.{number}}}")
    return tuple(tags)


#: One change-log head copy per tag on a Cluster; a change writes them all.
CLUSTER_TAGS = _spread_tags(16)


@dataclass(frozen=True)
class RedisTarget:
    """What a ``REDIS_URL`` names, parsed once so a bad one fails at startup."""

    kind: str  # "redis", "cluster" or "sentinel"
    url: str = field(repr=False)  # may hold a password
    nodes: list[tuple[str, int]] = field(default_factory=list)
    service: str | None = None
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_url(url: str) -> RedisTarget:
    """Parse ``url``; ValueError with a one-line reason when it cannot work."""
    parsed = urllib.parse.urlsplit(str(url))
    if parsed.scheme not in SCHEMES:
        raise ValueError(
            f"unknown scheme {parsed.scheme!r}; use one of "
            + ", ".join(f"{scheme}://" for scheme in SCHEMES)
        )
    if parsed.scheme in ("redis", "rediss"):
        try:
            redis.connection.parse_url(url)
        except ValueError as error:
            raise ValueError(str(error)) from None
        return RedisTarget("redis", url)
    nodes = _nodes(parsed.netloc.rpartition("@")[2])
    username = urllib.parse.unquote(parsed.username) if parsed.username else None
    password = urllib.parse.unquote(parsed.password) if parsed.password else None
    if parsed.scheme == "redis+cluster":
        if parsed.path.strip("/"):
            raise ValueError("a Cluster has database 0 only: give no path")
        return RedisTarget("cluster", url, nodes, username=username, password=password)
    parts = [part for part in parsed.path.split("/") if part]
    if not parts or len(parts) > 2:
        raise ValueError("name the master: redis+sentinel://host:port/service[/db]")
    if len(parts) == 2 and not parts[1].isdigit():
        raise ValueError(f"database {parts[1]!r} is not a number")
    return RedisTarget(
        "sentinel",
        url,
        nodes,
        service=parts[0],
        db=int(parts[1]) if len(parts) == 2 else 0,
        username=username,
        password=password,
    )


def _nodes(locations: str) -> list[tuple[str, int]]:
    nodes = []
    for location in locations.split(","):
        try:
            sub = urllib.parse.urlsplit(f"//{location.strip()}")
            host, port = sub.hostname, sub.port
        except ValueError:
            host = port = None
        if not host or not port:
            raise ValueError(f"{location.strip() or 'an empty entry'} is not host:port")
        nodes.append((host, port))
    return nodes


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    app.extensions["idp.redis"] = _connect(app, parse_url(url)) if url else None


def store() -> redis.Redis | RedisCluster | None:
    return current_app.extensions["idp.redis"]


def slot_tags(client: Any) -> tuple[str, ...]:
    """The hash tags of the head's copies: one, untagged, outside a Cluster."""
    return CLUSTER_TAGS if isinstance(client, LazyCluster) else ("",)


def slot_tag(client: Any, operator_id: int) -> str:
    """The tag an operator's counter shares with the head copy it reads."""
    tags = slot_tags(client)
    return tags[int(operator_id) % len(tags)]


def _connect(app: Flask, target: RedisTarget) -> redis.Redis | LazyCluster:
    memory = app.extensions["idp.memory"]
    timeout = float(app.config["REDIS_TIMEOUT"])
    timeouts = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    auth = {"username": target.username, "password": target.password}

    def on_connect(connection: AbstractConnection) -> None:
        connection.on_connect()
        memory.doubt = True

    def after_connect(connection: AbstractConnection) -> None:
        # RedisCluster has run connection.on_connect() before calling this.
        memory.doubt = True

    if target.kind == "cluster":
        return LazyCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            redis_connect_func=after_connect,
            **auth,
            **timeouts,
        )
    if target.kind == "sentinel":
        # As limits does, the URL's credentials open the sentinels and the master.
        sentinel = Sentinel(
            target.nodes,
            sentinel_kwargs={**auth, **timeouts},
            db=target.db,
            redis_connect_func=on_connect,
            **auth,
            **timeouts,
        )
        return sentinel.master_for(target.service)
    return redis.Redis.from_url(target.url, redis_connect_func=on_connect, **timeouts)


class LazyCluster:
    """A RedisCluster built at its first command, not at startup.

    RedisCluster asks a node for the slot map as it is built, and fails when
    none answers; idp must start, and degrade as it does without Redis, while
    the Cluster is down. Until a node answers, every command raises
    ``redis.ConnectionError`` after the connect timeout.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._client: RedisCluster | None = None
        self._lock = threading.Lock()

    def client(self) -> RedisCluster:
        """The RedisCluster, built now if no node has answered yet."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    try:
                        self._client = RedisCluster(**self._options)
                    except redis.exceptions.RedisClusterException as error:
                        raise redis.ConnectionError(str(error)) from error
        return self._client

    def get_encoder(self) -> Encoder:
        """What :class:`redis.commands.core.Script` encodes with, without connecting."""
        return Encoder("utf-8", "strict", False)

    def register_script(self, script: str) -> redis.commands.core.Script:
        return redis.commands.core.Script(self, script)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client(), name)
