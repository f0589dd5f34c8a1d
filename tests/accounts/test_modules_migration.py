"""Migration 0006: the modules profiles already carry levels for become rows."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from idp import create_app
from idp.extensions import db
from tests.conftest import POSTGRES_ADMIN_URL
from tests.conftest import _sqlalchemy_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'idp.sqlite3'}"
        return
    name = f"idp_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _sqlalchemy_url(POSTGRES_ADMIN_URL, name)
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_levels_set_before_the_upgrade_keep_their_module(empty_database):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0005")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO profiles (id, name, api_access, manage_users, "
                    "manage_clients, created_at) VALUES "
                    "(1, 'a', true, false, false, '2026-01-01 00:00:00'), "
                    "(2, 'b', true, false, false, '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO module_permissions "
                    '(profile_id, module, "add", edit, "delete", inquire) VALUES '
                    "(1, 'tickets', 'all', 'none', 'none', 'none'), "
                    "(2, 'tickets', 'none', 'none', 'none', 'own'), "
                    "(2, 'companies', 'none', 'none', 'none', 'none')"
                )
            )
        upgrade(directory=directory)
        rows = db.session.execute(
            text("SELECT name, created_at FROM modules ORDER BY name")
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert [row[0] for row in rows] == ["companies", "tickets"]
    assert all(row[1] is not None for row in rows)
