"""Recording and reading the audit log.

Who acts is known where the caller is authenticated, which says so with
:func:`acting`; a change made outside any request is the `idp` command's (or,
for the webhook worker, idp's own), recorded with the OS user and the host.
"""

from __future__ import annotations

import datetime as dt
import getpass
import socket
from collections.abc import Iterator
from typing import Any

from flask import g
from flask import has_request_context
from flask import request
from sqlalchemy import select

from idp.audit.models import AuditRecord
from idp.database import Listing
from idp.extensions import db
from idp.timeutil import utcnow

#: Who acts outside a request, for the whole process (all its threads): the
#: idp command unless the process says otherwise (:func:`process_acts_as`).
_process: tuple[str, str | None, str] | None = None


def acting(kind: str, name: str | None) -> None:
    """Name who makes the changes of this request."""
    g.audit_actor = (kind, name)


def process_acts_as(kind: str, name: str, via: str) -> None:
    """Name who makes the changes this process makes outside any request."""
    global _process
    _process = (kind, name, via)


def record(
    action: str,
    target: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one record to the session: the caller's commit makes it, with the change."""
    kind, actor, via, source = _who()
    db.session.add(
        AuditRecord(
            at=utcnow(),
            actor_kind=kind,
            actor=actor,
            via=via,
            source=source,
            action=action,
            target=target,
            before=before,
            after=after,
        )
    )


def _who() -> tuple[str, str | None, str, str | None]:
    if has_request_context():
        kind, name = g.get("audit_actor", ("anonymous", None))
        return kind, name, _surface(request.path), request.remote_addr
    kind, name, via = _process or ("command", _os_user(), "cli")
    return kind, name, via, socket.gethostname()


def _surface(path: str) -> str:
    for prefix, via in (
        ("/api/", "api"),
        ("/console", "console"),
        ("/oauth/", "oauth"),
    ):
        if path.startswith(prefix):
            return via
    return "http"


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, no LOGNAME: a bare container
        return None


def records(
    *,
    actor: str | None = None,
    target: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    oldest_first: bool = False,
) -> Listing:
    """Records matching every filter given, newest first unless asked otherwise.

    ``action`` without a dot names a family ("client" is every client.*).
    """
    order = AuditRecord.id.asc() if oldest_first else AuditRecord.id.desc()
    statement = select(AuditRecord).order_by(order)
    if actor is not None:
        statement = statement.filter_by(actor=actor)
    if target is not None:
        statement = statement.filter_by(target=target)
    if action is not None:
        statement = (
            statement.filter_by(action=action)
            if "." in action
            else statement.where(
                AuditRecord.action.startswith(f"{action}.", autoescape=True)
            )
        )
    if since is not None:
        statement = statement.where(AuditRecord.at >= since)
    if until is not None:
        statement = statement.where(AuditRecord.at < until)
    return Listing(statement)


def stream(listing: Listing, batch: int = 1000) -> Iterator[AuditRecord]:
    """Every record of ``listing``, fetched ``batch`` rows at a time (for exports)."""
    result = db.session.execute(listing.statement.execution_options(yield_per=batch))
    for (row,) in result:
        yield row
