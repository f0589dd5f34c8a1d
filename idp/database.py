"""Database setup: SQLAlchemy, migrations, and what SQLite needs to behave."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from typing import TypeVar

from flask import Flask
from sqlalchemy import Select
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.engine import Engine

from idp.extensions import db
from idp.extensions import migrate
from idp.watchdog import Watchdog

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flask import Config
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")
#: The largest id an INTEGER column holds on every backend.
MAX_ID = 2**31 - 1


_Row = TypeVar("_Row")


def find(model: type[_Row], **criteria: object) -> _Row | None:
    """The one row of ``model`` with these column values, or None.

    Text holding NUL matches nothing: PostgreSQL refuses it in a query (a 500
    for any caller who sends one), and no name or identifier idp stores has one.
    """
    if any(isinstance(value, str) and "\x00" in value for value in criteria.values()):
        return None
    return db.session.scalar(select(model).filter_by(**criteria))


class Listing:
    """The rows of a SELECT, fetched whole or one page at a time.

    Services return one; the CLI iterates over every row, the API asks the
    database for the count and for one page (LIMIT/OFFSET), never for all.
    """

    def __init__(self, statement: Select) -> None:
        self.statement = statement

    def __iter__(self) -> Iterator:
        return iter(db.session.scalars(self.statement).all())

    def count(self) -> int:
        counting = select(func.count()).select_from(self.statement.subquery())
        return db.session.scalar(counting)

    def page(self, offset: int, size: int) -> list:
        return list(db.session.scalars(self.statement.offset(offset).limit(size)))


def engine_options(config: Config) -> dict:
    """Bounded waits, so that a database that hangs is a 503, not a hung request.

    PostgreSQL gets a connect timeout, statement and lock timeouts, and a
    client-side deadline per round trip (idp.watchdog) for a server that hangs; SQLite
    waits on locks (busy_timeout below). Parameters never appear in an error
    message, so no value a client sent reaches a log.
    """
    options = {"pool_pre_ping": True, "hide_parameters": True}
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options["pool_timeout"] = config["DATABASE_TIMEOUT"]
        milliseconds = int(float(config["DATABASE_TIMEOUT"]) * 1000)
        options["connect_args"] = {
            "connect_timeout": max(1, int(config["DATABASE_TIMEOUT"])),
            "options": f"-c statement_timeout={milliseconds} "
            f"-c lock_timeout={milliseconds} "
            f"-c idle_in_transaction_session_timeout={milliseconds * 6}",
        }
    return options


def init_app(app: Flask) -> None:

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    db.init_app(app)
    for engine in db._app_engines[app].values():
        if engine.dialect.name == "postgresql":
            Watchdog(float(app.config["DATABASE_TIMEOUT"])).guard(engine)
    migrate.init_app(app, db, directory=MIGRATIONS)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(
    dbapi_connection: DBAPIConnection, connection_record: ConnectionPoolEntry
) -> None:
    """Foreign keys (ON DELETE CASCADE) and waiting on locks, as PostgreSQL does."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
