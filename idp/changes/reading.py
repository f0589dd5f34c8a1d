"""Reading the change log: catching up before trusting what this process remembers."""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import g
from sqlalchemy.exc import SQLAlchemyError

from idp import metrics
from idp.changes.memory import memory
from idp.changes.writing import Change
from idp.changes.writing import ChangeCounter
from idp.changes.writing import head_key
from idp.changes.writing import publish
from idp.extensions import db
from idp.logs import OncePerInterval
from idp.store import store

if TYPE_CHECKING:
    from idp.changes.writing import Tag

log = logging.getLogger(__name__)
_unread = OncePerInterval(log)


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
    unpublished = mem.unpublished
    if unpublished and reachable:
        mem.unpublished = 0  # publish() notes it again if it fails again
        publish(unpublished)
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
            publish(mem.seen)  # Redis lost it (a restart, an old snapshot)
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
