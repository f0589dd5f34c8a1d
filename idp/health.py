"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint
from flask import jsonify
from flask import request
from sqlalchemy import text

from idp.extensions import db
from idp.store import store

if TYPE_CHECKING:
    from flask import Response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers; nothing else is checked."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Whether this instance can serve: the database answers and accepts writes.

    Redis's state is reported but does not decide, since introspection keeps
    serving without it (``degraded``); ``?strict=1`` requires it too, for
    monitoring that wants to know.
    """
    checks = {"database": _check_database(), "redis": _check_redis()}
    redis_ok = checks["redis"] in ("ok", "not configured")
    strict = request.args.get("strict") in ("1", "true")
    if checks["database"] != "ok" or (strict and not redis_ok):
        return jsonify(status="unavailable", checks=checks), 503
    return jsonify(status="ok" if redis_ok else "degraded", checks=checks), 200


def _check_database() -> str:
    """A real write (committed, of nothing new), so a full or read-only disk shows."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means not ready
        db.session.rollback()
        return "unavailable"
    try:
        db.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
        db.session.commit()
    except Exception:  # the database answers, but not to writes
        db.session.rollback()
        return "read-only"
    return "ok"


def _check_redis() -> str:
    client = store()
    if client is None:
        return "not configured"
    try:
        client.ping()
        return "ok"
    except Exception:  # any client error means not ready
        return "unavailable"
