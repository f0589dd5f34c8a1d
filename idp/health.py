"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from sqlalchemy import text

from idp.cache import hot_cache
from idp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers; nothing else is checked."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when the database and Redis (if configured) answer, else 503."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(state in ("ok", "not configured") for state in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any driver error means not ready
        db.session.rollback()
        return "unavailable"


def _check_redis() -> str:
    client = hot_cache().redis
    if client is None:
        return "not configured"
    try:
        client.ping()
        return "ok"
    except Exception:  # any client error means not ready
        return "unavailable"
