"""One row per change; the fields before and after are never secrets."""

from __future__ import annotations

import sqlalchemy as sa

from idp.extensions import db


class AuditRecord(db.Model):
    __tablename__ = "audit_records"

    id = sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, index=True)
    #: operator | command | client | leak_report | idp
    actor_kind = sa.Column(sa.String(16), nullable=False)
    #: The operator's username, the client's ID, the OS user of the idp command.
    actor = sa.Column(sa.String(150), nullable=True, index=True)
    #: api | console | oauth | cli | worker
    via = sa.Column(sa.String(16), nullable=False)
    #: The caller's address (after TRUSTED_PROXIES), or the host of the command.
    source = sa.Column(sa.String(255), nullable=True)
    action = sa.Column(sa.String(64), nullable=False, index=True)
    target = sa.Column(sa.String(255), nullable=False, index=True)
    before = sa.Column(sa.JSON, nullable=True)
    after = sa.Column(sa.JSON, nullable=True)
