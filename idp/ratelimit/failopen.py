"""The failure mode of every rate-limit store call, declared once: fail open."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import redis
from limits.errors import StorageError

from idp import metrics

#: What an unreachable store raises: ``limits`` wraps its driver's errors
#: (``wrap_exceptions=True``); our own Lua script raises redis-py's.
STORE_ERRORS = (StorageError, redis.RedisError)


def fail_open(answer: Any, doing: str, *, store: str = "rate-limit store") -> Callable:
    """Declares what a method answers when its store is unreachable.

    An outage of the counter must not become an outage of every API behind
    idp: the method logs a warning, counts a Redis error, and returns
    ``answer``, or ``answer(*args, **kwargs)`` when it is callable (an answer
    that depends on the call, such as a window of the caller's limit).
    Revocation is unaffected, since credentials are checked in the database.
    """

    def decorate(method: Callable) -> Callable:
        log = logging.getLogger(method.__module__)

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except STORE_ERRORS as error:
                metrics.REDIS_ERRORS.inc()
                log.warning("%s unreachable, %s: %s", store, doing, error)
                return answer(*args, **kwargs) if callable(answer) else answer

        return wrapper

    return decorate
