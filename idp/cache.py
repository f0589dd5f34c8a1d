"""Hot caches for the introspection path, and the epoch that invalidates them.

Resource servers introspect on every request, so a verified client and an active
access token are remembered per process for ``HOT_CACHE_SECONDS``. Every change
that can make a remembered answer wrong (a revocation, an operator, profile or
client change) calls :func:`invalidate`, which sets a new random epoch in Redis;
an entry is used only under the epoch it was stored with, so the next
introspection in every process sees the change. The epoch is random, not a
counter, and a lost one is replaced by a new random one, so a Redis restart
cannot bring an old value back.

Without Redis (the embedded default, one server process), the epoch is this
process's own plus a file in the instance folder that every invalidation
replaces, so a change made with the `idp` command, another process on the same
machine, is seen at the next introspection too; a stat() per request is its cost.

Two epochs, read in one round trip: verified client secrets depend only on
the clients, and re-verifying one costs an argon2 hash (about 0.1 s and 64 MiB),
so they are kept under the ``clients`` epoch, which only client changes renew;
every other answer is kept under the ``all`` epoch, which every change renews.

Failure mode: when Redis cannot be read, no entry is trusted and every answer
comes from the database, so a change made meanwhile holds everywhere at once.
When the new epoch cannot be written, the change still stands (it is in the
database) and this process writes the epoch at its next contact with Redis; until
then, a process that reaches Redis may serve what it remembered, for at most
``HOT_CACHE_SECONDS``. The error is logged.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Hashable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from cachetools import TTLCache
from flask import Flask
from flask import current_app
from flask import g

log = logging.getLogger(__name__)

_NO_EPOCH = "none"
#: The epochs, each the Redis key suffix it is kept under.
ALL = "epoch"
CLIENTS = "epoch:clients"
SCOPES = (ALL, CLIENTS)


class HotCache:
    """A bounded per-process memo whose entries are tied to an epoch."""

    def __init__(self, app: Flask) -> None:
        self.seconds = int(app.config["HOT_CACHE_SECONDS"])
        self._entries = {
            scope: TTLCache(maxsize=100_000, ttl=max(self.seconds, 1))
            for scope in SCOPES
        }
        self._lock = threading.Lock()
        # This process's marks; without Redis, the only ones (see mark_once).
        self._marks: TTLCache = TTLCache(maxsize=100_000, ttl=60)
        self.redis: redis.Redis | None = None
        self._local_epoch = _NO_EPOCH
        # Epochs invalidate() could not write; epoch() writes them when it can.
        self._unwritten: dict[str, str] = {}
        self.prefix = app.config["REDIS_KEY_PREFIX"]
        self._epoch_file = os.path.join(app.instance_path, "cache-epoch")
        self._keys = [f"{self.prefix}:{scope}" for scope in SCOPES]
        if app.config["REDIS_URL"]:
            timeout = float(app.config["REDIS_TIMEOUT"])
            self.redis = redis.Redis.from_url(
                app.config["REDIS_URL"],
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                decode_responses=True,
            )

    def epoch(self) -> dict[str, str] | None:
        """The current epochs by scope, or None when unreadable (trust nothing)."""
        if self.redis is None:
            try:
                stat = os.stat(self._epoch_file)
                epoch = f"{self._local_epoch}:{stat.st_ino}:{stat.st_mtime_ns}"
            except OSError:
                epoch = self._local_epoch
            return dict.fromkeys(SCOPES, epoch)
        try:
            if self._unwritten:
                unwritten = dict(self._unwritten)
                self.redis.mset(unwritten)
                for key in unwritten:
                    self._unwritten.pop(key, None)
            epochs = self.redis.mget(self._keys)
            if None in epochs:
                # Lost (a restart, an eviction): a fresh random one, never a
                # constant, under which answers remembered before would match.
                for key, epoch in zip(self._keys, epochs, strict=True):
                    if epoch is None:
                        self.redis.set(key, secrets.token_hex(8), nx=True)
                epochs = self.redis.mget(self._keys)
            return dict(zip(SCOPES, epochs, strict=True))
        except redis.RedisError as error:
            log.warning("cache epoch unreadable, using the database: %s", error)
            return None

    def get(self, scope: str, key: Hashable, epoch: str | None) -> Any:
        if epoch is None or self.seconds <= 0:
            return None
        with self._lock:
            entry = self._entries[scope].get(key)
        if entry is None or entry[0] != epoch:
            return None
        return entry[1]

    def put(self, scope: str, key: Hashable, epoch: str | None, value: Any) -> None:
        if epoch is None or self.seconds <= 0:
            return
        with self._lock:
            self._entries[scope][key] = (epoch, value)

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

    def invalidate(self, *scopes: str) -> None:
        """Make every process forget what it remembered under these epochs."""
        new_epoch = secrets.token_hex(8)
        with self._lock:
            for scope in scopes:
                self._entries[scope].clear()
            self._local_epoch = new_epoch
        if self.redis is None:
            self._touch_epoch_file(new_epoch)
            return
        renewed = {f"{self.prefix}:{scope}": new_epoch for scope in scopes}
        try:
            self.redis.mset(renewed)
        except redis.RedisError as error:
            self._unwritten.update(renewed)
            log.error("cache epoch not written, retrying at next contact: %s", error)

    def _touch_epoch_file(self, new_epoch: str) -> None:
        """Replace the shared file, so other processes see a new epoch."""
        try:
            os.makedirs(os.path.dirname(self._epoch_file), exist_ok=True)
            written = f"{self._epoch_file}.{new_epoch}"
            with open(written, "w") as file:
                file.write(new_epoch)
            os.replace(written, self._epoch_file)
        except OSError as error:
            log.error("cache epoch file not written: %s", error)


_flights: dict[Hashable, list] = {}
_flights_lock = threading.Lock()


@contextmanager
def single_flight(key: Hashable) -> Iterator[None]:
    """One thread of this process at a time for ``key``; others wait their turn.

    Meant around computing what :func:`remember` will keep, so the waiting
    threads find it with :func:`recall` instead of computing it again.
    """
    with _flights_lock:
        flight = _flights.setdefault(key, [threading.Lock(), 0])
        flight[1] += 1
    try:
        with flight[0]:
            yield
    finally:
        with _flights_lock:
            flight[1] -= 1
            if flight[1] == 0:
                del _flights[key]


def init_app(app: Flask) -> None:
    app.extensions["idp.cache"] = HotCache(app)


def hot_cache() -> HotCache:
    return current_app.extensions["idp.cache"]


def request_epoch(scope: str) -> str | None:
    """An epoch for this request; Redis is read at most once per request."""
    if "idp_epochs" not in g:
        g.idp_epochs = hot_cache().epoch()
    return g.idp_epochs and g.idp_epochs[scope]


def remember(key: Hashable, value: Any, scope: str = ALL) -> None:
    hot_cache().put(scope, key, request_epoch(scope), value)


def recall(key: Hashable, scope: str = ALL) -> Any:
    return hot_cache().get(scope, key, request_epoch(scope))


def invalidate(*, clients: bool = False) -> None:
    """Call after committing a change that may alter a remembered answer.

    ``clients``: the change touches a client (its secret, its rights, its
    existence), so verified client secrets are forgotten too.
    """
    hot_cache().invalidate(*((ALL, CLIENTS) if clients else (ALL,)))
