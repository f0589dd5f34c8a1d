"""Login throttling: a progressive delay per username and source address.

Keyed on both, as Keycloak's brute-force detection is on the user, so that an
outsider guessing from elsewhere slows only itself and never locks the owner
out. No hard lock: after ``free`` failures in a window, each further attempt
must wait a delay that doubles with every failure (1 s, 2 s, 4 s ... up to the
window), and a success clears the count.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

import limits
from limits.storage import Storage

from idp.ratelimit.failopen import fail_open

STORE = "login throttle store"

#: Longest username hashed: no username idp accepts is longer.
MAX_USERNAME = 150


class LoginThrottle:
    """Counts failed logins under an HMAC of (username, source), never in clear.

    The key is a keyed digest, so a password typed into the username field never
    reaches the store, and its size does not depend on what was sent.
    """

    #: Seconds of the first delay; each further failure doubles it.
    first_delay = 1

    def __init__(self, storage: Storage, limit: str, key: bytes) -> None:
        item = limits.parse(limit)
        self.storage = storage
        self.free = item.amount
        self.window = item.get_expiry()
        self.key = key

    def attempt(
        self, username: str, source: str | None, verify: Callable[[], bool]
    ) -> bool:
        """Whether this login succeeds: ``verify()`` passes and no delay is running.

        ``verify`` runs even during a delay, so a delayed attempt takes as long
        and answers the same as a wrong password. Fails open when the store is
        unreachable: an outage of Redis must not stop every login.
        """
        subject = hmac.digest(
            self.key,
            f"{username[:MAX_USERNAME]}\x00{source or ''}".encode(
                "utf-8", "surrogatepass"
            ),
            "sha256",
        ).hex()[:32]
        waiting = self._waiting(subject)
        ok = verify()
        if waiting:
            return False
        if ok:
            self._clear_failures(subject)
            return True
        self._count_failure(subject)
        return False

    @fail_open(False, "not throttling", store=STORE)
    def _waiting(self, subject: str) -> bool:
        return self.storage.get(f"login-wait/{subject}") > 0

    @fail_open(None, "not clearing", store=STORE)
    def _clear_failures(self, subject: str) -> None:
        self.storage.clear(f"login-failures/{subject}")

    @fail_open(None, "not counting", store=STORE)
    def _count_failure(self, subject: str) -> None:
        failures = self.storage.incr(f"login-failures/{subject}", self.window)
        if failures >= self.free:
            delay = min(self.first_delay * 2 ** (failures - self.free), self.window)
            self.storage.clear(f"login-wait/{subject}")
            self.storage.incr(f"login-wait/{subject}", delay)
