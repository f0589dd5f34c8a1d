"""Fixtures for the audit log: the admin API's callers, and the records as rows."""

from __future__ import annotations

from sqlalchemy import select

from idp.audit.models import AuditRecord
from idp.audit.schemas import AuditRecordSchema
from idp.extensions import db
from tests.admin.conftest import AdminActions  # noqa: F401
from tests.admin.conftest import admin_actions  # noqa: F401
from tests.admin.conftest import alice  # noqa: F401
from tests.admin.conftest import clients_admin  # noqa: F401
from tests.admin.conftest import owner  # noqa: F401
from tests.admin.conftest import users_admin  # noqa: F401


def audit(app, **filters) -> list[dict]:
    """Every record matching ``filters`` (column=value), oldest first, as the API shows it."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditRecord).filter_by(**filters).order_by(AuditRecord.id)
        ).all()
        return AuditRecordSchema(many=True).dump(rows)
