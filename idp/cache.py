"""Hot caches for the introspection path, and the epoch that invalidates them.

Resource servers introspect on every request, so a verified client and an active
access token are remembered per process for ``HOT_CACHE_SECONDS``. Every change
that can make a remembered answer wrong (a revocation, an operator, profile or
client change) calls :func:`invalidate`, which sets a new random epoch in Redis;
an entry is used only under the epoch it was stored with, so the next
introspection in every process sees the change. The epoch is random, not a
counter, and a lost one is replaced by a new random one, so a Redis restart
cannot bring an old value back.

Failure mode: when Redis cannot be read, no entry is trusted and every answer
comes from the database, so a change made meanwhile holds everywhere at once.
When the new epoch cannot be written, the change still stands (it is in the
database) and this process writes the epoch at its next contact with Redis; until
then, a process that reaches Redis may serve what it remembered, for at most
``HOT_CACHE_SECONDS``. The error is logged.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Hashable
from typing import Any

import redis
from cachetools import TTLCache
from flask import Flask
from flask import current_app
from flask import g

log = logging.getLogger(__name__)

_EPOCH_KEY = "epoch"
_NO_EPOCH = "none"


class HotCache:
    """A bounded per-process memo whose entries are tied to an epoch."""

    def __init__(self, app: Flask) -> None:
        self.seconds = int(app.config["HOT_CACHE_SECONDS"])
        self._entries: TTLCache = TTLCache(maxsize=100_000, ttl=max(self.seconds, 1))
        self._lock = threading.Lock()
        # This process's marks; without Redis, the only ones (see mark_once).
        self._marks: TTLCache = TTLCache(maxsize=100_000, ttl=60)
        self.redis: redis.Redis | None = None
        self._local_epoch = _NO_EPOCH
        # An epoch invalidate() could not write; epoch() writes it when it can.
        self._unwritten_epoch: str | None = None
        self.prefix = app.config["REDIS_KEY_PREFIX"]
        self._key = f"{self.prefix}:{_EPOCH_KEY}"
        if app.config["REDIS_URL"]:
            timeout = float(app.config["REDIS_TIMEOUT"])
            self.redis = redis.Redis.from_url(
                app.config["REDIS_URL"],
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                decode_responses=True,
            )

    def epoch(self) -> str | None:
        """The current epoch, or None when it cannot be read (trust nothing)."""
        if self.redis is None:
            return self._local_epoch
        try:
            if self._unwritten_epoch is not None:
                self.redis.set(self._key, self._unwritten_epoch)
                self._unwritten_epoch = None
            epoch = self.redis.get(self._key)
            if epoch is None:
                # Lost (a restart, an eviction): a fresh random one, never a
                # constant, under which answers remembered before would match.
                self.redis.set(self._key, secrets.token_hex(8), nx=True)
                epoch = self.redis.get(self._key)
            return epoch
        except redis.RedisError as error:
            log.warning("cache epoch unreadable, using the database: %s", error)
            return None

    def get(self, key: Hashable, epoch: str | None) -> Any:
        if epoch is None or self.seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] != epoch:
            return None
        return entry[1]

    def put(self, key: Hashable, epoch: str | None, value: Any) -> None:
        if epoch is None or self.seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (epoch, value)

    def mark_once(self, name: str, seconds: int) -> bool:
        """True for the first call with ``name`` in ``seconds``, across processes.

        False, and a warning, when Redis cannot be reached: callers use this to
        skip work that may be skipped.
        """
        with self._lock:
            # This process marked it lately: no need to ask Redis again.
            if name in self._marks:
                return False
            self._marks[name] = True
        if self.redis is None:
            return True
        try:
            key = f"{self.prefix}:mark:{name}"
            return bool(self.redis.set(key, 1, nx=True, ex=seconds))
        except redis.RedisError as error:
            log.warning("marks unavailable: %s", error)
            return False

    def invalidate(self) -> None:
        """Make every process forget what it remembered."""
        new_epoch = secrets.token_hex(8)
        with self._lock:
            self._entries.clear()
            self._local_epoch = new_epoch
        if self.redis is None:
            return
        try:
            self.redis.set(self._key, new_epoch)
        except redis.RedisError as error:
            self._unwritten_epoch = new_epoch
            log.error("cache epoch not written, retrying at next contact: %s", error)


def init_app(app: Flask) -> None:
    app.extensions["idp.cache"] = HotCache(app)


def hot_cache() -> HotCache:
    return current_app.extensions["idp.cache"]


def request_epoch() -> str | None:
    """The epoch for this request, read from Redis at most once per request."""
    if "idp_epoch" not in g:
        g.idp_epoch = hot_cache().epoch()
    return g.idp_epoch


def remember(key: Hashable, value: Any) -> None:
    hot_cache().put(key, request_epoch(), value)


def recall(key: Hashable) -> Any:
    return hot_cache().get(key, request_epoch())


def invalidate() -> None:
    """Call after committing a change that may alter a remembered answer."""
    hot_cache().invalidate()
