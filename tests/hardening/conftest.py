"""A database that stops accepting writes, as a full or read-only disk does."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from idp.extensions import db


def _read_only(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA query_only = ON")
        return
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET default_transaction_read_only = on")
    dbapi_connection.autocommit = False


@contextmanager
def read_only(app):
    """Every connection made inside refuses writes; undone on leaving."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", _read_only)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", _read_only)
        engine.dispose()


@pytest.fixture
def read_only_database(app):
    with read_only(app):
        yield
