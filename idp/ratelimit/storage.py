"""`limits`' Redis storage over idp's own client (idp.store).

One client for counters and the change log means one connection pool, one set
of timeouts, one reconnection hook, and the same URLs (a Cluster, Sentinel)
everywhere. `limits` would otherwise build a second client from the URL: on a
Cluster it connects while it is built, so idp could not start while the
Cluster is down, and it reads a Sentinel URL's ``/service/db`` as one name.
"""

from __future__ import annotations

from typing import Any

import redis
from limits.storage import RedisStorage
from limits.storage import Storage


class ClientStorage(RedisStorage):
    """RedisStorage on a client built elsewhere; every key it uses is single-slot.

    Built through ``Storage.__init__`` rather than ``RedisStorage.__init__``,
    which would build its own client; the attributes set here are the ones
    RedisStorage's methods read (limits 5.x, pinned in requirements/).
    """

    def __init__(self, client: Any, key_prefix: str) -> None:
        Storage.__init__(self, wrap_exceptions=True)
        self.key_prefix = key_prefix
        self.target_server = "redis"
        self.dependency = redis
        self.storage = client
        self.initialize_storage("")
