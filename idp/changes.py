"""What each process remembers for introspection, and how it learns what to forget.

A process remembers verified clients and active credentials, so that introspecting
a known credential needs no SQL and no argon2. Each remembered answer carries
*tags*: the credential, its operator, the operator's profile, its client.

Every change that can make an answer wrong commits, in its own transaction, a row
of the ``changes`` table naming one tag (:func:`commit`). Rows are numbered in
commit order. A process that reads the rows it has not read yet forgets exactly
the answers carrying their tags, and nothing else.

When does a process read the table? Whenever it cannot vouch that it has read
every row. Redis keeps the number of the last row (the *head*), published after
each commit, and introspection reads the head in the round trip that counts the
request (idp.ratelimit): a head other than the last number this process read
means rows to read. The process also reads the table when there is no Redis, when
Redis failed or reconnected since its last read (a restart or a restored snapshot
may have lost the head, and a change made meanwhile never reached it), and at
least every ``CHANGES_POLL_SECONDS``. The table is the truth; Redis only saves
the SELECT when nothing changed.

On a Redis Cluster the head is kept in one copy per hash tag (idp.store), each
written on publishing; introspection reads the copy in its counter's slot.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Hashable
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy.exc import SQLAlchemyError

from idp import metrics
from idp.extensions import db
from idp.logs import OncePerInterval
from idp.store import slot_tag
from idp.store import slot_tags
from idp.store import store
from idp.timeutil import utcnow

if TYPE_CHECKING:
    import datetime

log = logging.getLogger(__name__)
_unread = OncePerInterval(log)

Tag = tuple[str, str]

#: Publish a row number, unless Redis already holds a higher one.
_PUBLISH = """
local head = redis.call('GET', KEYS[1])
if not head or tonumber(head) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
"""


class Change(db.Model):
    """One committed change: the tag of every answer it makes wrong."""

    __tablename__ = "changes"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    tag = sa.Column(sa.String(80), nullable=False)
    at = sa.Column(sa.DateTime, nullable=False, index=True)


class ChangeCounter(db.Model):
    """One row whose lock numbers changes in commit order."""

    __tablename__ = "change_counter"

    id = sa.Column(sa.Integer, primary_key=True)
    last = sa.Column(sa.Integer, nullable=False)


def tag(kind: str, ref: Any) -> Tag:
    return (kind, str(ref))


class Memory:
    """Answers by key, each with its tags; this process's and bounded."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._entries: dict[Hashable, tuple[Any, tuple[Tag, ...]]] = {}
        self._keys_by_tag: dict[Tag, set[Hashable]] = {}
        #: Number of the last change row read; None before the first read.
        self.seen: int | None = None
        self.doubt = True  # read the table before trusting anything
        self.unpublished = 0  # a change this process could not publish
        self.read_at = 0.0
        self.lock = threading.RLock()

    def get(self, key: Hashable) -> Any:
        entry = self._entries.get(key)
        return entry and entry[0]

    def put(
        self, key: Hashable, value: Any, tags: tuple[Tag, ...], seen: int | None
    ) -> None:
        """Keep ``value`` unless a change was read since it was looked up."""
        with self.lock:
            if seen is None or seen != self.seen:
                return
            if len(self._entries) >= self.size:
                self._drop(next(iter(self._entries)))
            self._entries[key] = (value, tags)
            for one in tags:
                self._keys_by_tag.setdefault(one, set()).add(key)

    def forget(self, one: Tag) -> None:
        for key in self._keys_by_tag.pop(one, ()):
            self._drop(key)

    def clear(self) -> None:
        self._entries.clear()
        self._keys_by_tag.clear()

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        for one in entry[1] if entry else ():
            keys = self._keys_by_tag.get(one)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_tag[one]


def init_app(app: Flask) -> None:
    app.extensions["idp.memory"] = Memory()


def memory() -> Memory:
    return current_app.extensions["idp.memory"]


# -- writers ---------------------------------------------------------------


def commit(*tags: Tag) -> None:
    """Commit the session's change with a change row per tag, then publish it."""
    numbers = []
    if tags:
        counter = db.session.execute(
            sa.update(ChangeCounter)
            .where(ChangeCounter.id == 1)
            .values(last=ChangeCounter.last + len(tags))
            .returning(ChangeCounter.last)
        ).scalar_one()
        now = utcnow()
        for offset, one in enumerate(reversed(tags)):
            number = counter - offset
            numbers.append(number)
            db.session.add(Change(id=number, tag=":".join(one), at=now))
    db.session.commit()
    if numbers:
        _publish(max(numbers))


def _publish(number: int) -> None:
    redis = store()
    if redis is None:
        return
    try:
        # Every copy of the head (one outside a Cluster), each a single-key
        # script, sent together: one round trip per master. A Cluster pipeline
        # refuses its eval() method, not the EVAL command.
        with redis.pipeline(transaction=False) as pipe:
            for key in head_keys():
                pipe.execute_command("EVAL", _PUBLISH, 1, key, number)
            pipe.execute()
    except Exception as error:  # noqa: BLE001 - the change stands in the database
        metrics.REDIS_ERRORS.inc()
        memory().unpublished = max(memory().unpublished, number)
        log.error(
            "change %s not published to Redis; processes read it within %ss: %s",
            number,
            current_app.config["CHANGES_POLL_SECONDS"],
            error,
        )


def head_key(operator_id: int | None = None) -> str:
    """The copy of the head in the slot of ``operator_id``'s counter (idp.store).

    Without an operator, any copy: each holds the same head once published.
    """
    tags = slot_tags(store())
    if operator_id is None:
        tag = random.choice(tags)
    else:
        tag = slot_tag(store(), operator_id)
    return _head_key(tag)


def head_keys() -> list[str]:
    """Every copy of the head, each written when a change is published."""
    return [_head_key(tag) for tag in slot_tags(store())]


def _head_key(tag: str) -> str:
    base = f"{current_app.config['REDIS_KEY_PREFIX']}:changes:head"
    return f"{base}:{tag}" if tag else base


# -- readers ---------------------------------------------------------------


def read_head() -> tuple[int | None, bool]:
    """The head Redis holds (None without Redis or when lost), and whether it answered."""
    redis = store()
    if redis is None:
        return None, True
    try:
        head = redis.get(head_key())
    except Exception as error:  # noqa: BLE001 - the database answers instead
        metrics.REDIS_ERRORS.inc()
        log.warning("change-log head unreadable, reading the database: %s", error)
        return None, False
    return (int(head) if head is not None else None), True


def catch_up() -> None:
    """Make what this process remembers current, for a path that counts nothing."""
    begin()
    head, reachable = read_head()
    confirm(head, reachable=reachable)


def recall(key: Hashable) -> Any:
    """A remembered answer, noted so :func:`confirm` can tell if it still holds."""
    value = memory().get(key)
    if value is not None:
        g.setdefault("idp_recalled", []).append((key, value))
    return value


def remember(key: Hashable, value: Any, tags: tuple[Tag, ...]) -> None:
    """Keep ``value``, looked up in the database during this request."""
    memory().put(key, value, tags, g.get("idp_seen_before_lookup"))


def ensure_begun() -> None:
    """For a path outside :func:`idp.credentials.read.counted_read`: catch up now."""
    if "idp_seen_before_lookup" not in g:
        catch_up()


def begin() -> None:
    """Call before looking anything up: fixes which reads :func:`remember` may keep."""
    if memory().seen is None:
        read_changes()
    g.idp_seen_before_lookup = memory().seen
    g.idp_recalled = []


def confirm(head: int | None, *, reachable: bool) -> bool:
    """Whether what this request recalled still holds, reading changes if needed.

    ``head`` is the number Redis holds (None when absent or without Redis);
    ``reachable`` False when Redis failed this time.
    """
    mem = memory()
    # A change this process wrote but could not publish: Redis's head cannot
    # show it, so this process reads it now, and publishes it at first contact.
    unpublished, mem.unpublished = mem.unpublished, 0
    if unpublished and reachable:
        _publish(unpublished)
    elif unpublished:
        mem.unpublished = unpublished
    must_read = (
        not reachable
        or mem.doubt
        or unpublished
        or head is None
        or head != mem.seen
        or time.monotonic() - mem.read_at > current_app.config["CHANGES_POLL_SECONDS"]
    )
    # Only the periodic read is due, and Redis vouches nothing changed: a
    # database that cannot answer it now cannot have taken a change either.
    vouched = (
        reachable
        and not mem.doubt
        and not unpublished
        and head is not None
        and head == mem.seen
    )
    if must_read:
        try:
            read_changes()
        except SQLAlchemyError as error:
            if not vouched:
                raise
            db.session.rollback()
            metrics.DATABASE_ERRORS.inc()
            mem.read_at = time.monotonic()  # try again after the next interval
            _unread.warning(
                "change log unreadable, Redis vouches nothing changed "
                f"({type(error).__name__})"
            )
        if reachable and head != mem.seen and mem.seen is not None:
            _publish(mem.seen)  # Redis lost it (a restart, an old snapshot)
        if not reachable:
            mem.doubt = True
    # Another thread may have read the change that makes a recalled answer
    # wrong between this request's recall and now: then the head matches what
    # this process has seen, yet the answer is gone from memory.
    recalled = g.get("idp_recalled", ())
    return all(mem.get(key) is value for key, value in recalled)


def read_changes() -> None:
    """Forget what the rows not read yet name; forget everything after a gap."""
    mem = memory()
    with mem.lock:
        seen = mem.seen
        if seen is None:
            # First read: nothing is remembered yet, only the position matters.
            rows = []
            mem.seen = db.session.scalar(
                sa.select(ChangeCounter.last).where(ChangeCounter.id == 1)
            )
        else:
            rows = db.session.execute(
                sa.select(Change.id, Change.tag)
                .where(Change.id > seen)
                .order_by(Change.id)
            ).all()
        if rows and rows[0].id != seen + 1:
            mem.clear()  # purged rows we never read: their tags are unknown
        else:
            for row in rows:
                kind, _, ref = row.tag.partition(":")
                mem.forget((kind, ref))
        if rows:
            mem.seen = rows[-1].id
        mem.doubt = False
        mem.read_at = time.monotonic()
    db.session.commit()  # end the read transaction; nothing to write


def purge_before(cutoff: datetime.datetime) -> int:
    """Delete change rows older than ``cutoff``; processes that missed them start over."""
    deleted = db.session.execute(sa.delete(Change).where(Change.at < cutoff)).rowcount
    db.session.commit()
    return deleted
