"""Writing the change log: a row per tag in the change's transaction, then the head published."""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from flask import current_app

from idp import metrics
from idp.changes.memory import memory
from idp.extensions import db
from idp.store import slot_tag
from idp.store import slot_tags
from idp.store import store
from idp.timeutil import utcnow

if TYPE_CHECKING:
    import datetime

log = logging.getLogger(__name__)

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
        publish(max(numbers))


def publish(number: int) -> None:
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


def purge_before(cutoff: datetime.datetime) -> int:
    """Delete change rows older than ``cutoff``; processes that missed them start over."""
    deleted = db.session.execute(sa.delete(Change).where(Change.at < cutoff)).rowcount
    db.session.commit()
    return deleted
