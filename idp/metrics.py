"""Prometheus metrics, and ``GET /metrics`` for a scraper idp trusts.

Under gunicorn every worker writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by idp.gunicorn_conf before this module is
imported) and ``/metrics`` adds up every worker's; in a single process the
default registry is read. Each metric is cheap to move: the hot path pays an
increment and one histogram observation, with labels bound once here.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess

bp = Blueprint("metrics", __name__)

INTROSPECTIONS = Counter(
    "idp_introspections",
    "Introspections answered, by endpoint (introspect, check) and result "
    "(active, inactive, exceeded).",
    ["endpoint", "result"],
)
INTROSPECTION_SECONDS = Histogram(
    "idp_introspection_duration_seconds",
    "Time to answer an introspection, by endpoint.",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
TOKEN_REQUESTS = Counter(
    "idp_token_requests",
    "Token endpoint requests, by grant type and result (success or the OAuth error).",
    ["grant_type", "result"],
)
REFRESH_REUSE = Counter(
    "idp_refresh_token_reuse",
    "Rotated refresh tokens presented again (their login was revoked).",
)
LOGIN_FAILURES = Counter(
    "idp_login_failures",
    "Failed operator logins (password grant, console, registration).",
)
WEBHOOK_DELIVERIES = Counter(
    "idp_webhook_deliveries",
    "Webhook delivery attempts, by outcome (delivered, retrying, failed).",
    ["outcome"],
)
WEBHOOK_ENDPOINTS_DISABLED = Counter(
    "idp_webhook_endpoints_disabled",
    "Webhook endpoints disabled after a 410 or days of failure.",
)
REDIS_ERRORS = Counter(
    "idp_redis_errors", "Operations on Redis that failed (idp carried on without)."
)
DATABASE_ERRORS = Counter(
    "idp_database_errors",
    "Database errors idp caught: requests answered 503, and reads or writes it "
    "carried on without (the change log, last use, events, the webhook worker).",
)

#: Bound once: ``labels()`` on every request costs a lock and a dict lookup.
INTROSPECT = {
    result: INTROSPECTIONS.labels("introspect", result)
    for result in ("active", "inactive", "exceeded")
}
CHECK = {
    result: INTROSPECTIONS.labels("check", result)
    for result in ("active", "inactive", "exceeded")
}
INTROSPECT_SECONDS = INTROSPECTION_SECONDS.labels("introspect")
CHECK_SECONDS = INTROSPECTION_SECONDS.labels("check")

#: Grant types and OAuth error codes idp can answer; anything else is "other",
#: so that a caller cannot mint label values.
GRANT_TYPES = frozenset({"password", "refresh_token", "client_credentials"})
RESULTS = frozenset(
    {
        "success",
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
        "slow_down",
        "temporarily_unavailable",
        "server_error",
    }
)


def token_request(grant_type: str | None, result: str) -> None:
    TOKEN_REQUESTS.labels(
        grant_type if grant_type in GRANT_TYPES else "other",
        result if result in RESULTS else "other",
    ).inc()


@bp.get("/metrics")
def metrics() -> Response:
    """Every worker's metrics, for a scraper with the token, or from loopback."""
    refusal = _refuse()
    if refusal is not None:
        return refusal
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _refuse() -> Response | None:
    """401 without the configured token; without one, 403 unless from loopback.

    Loopback is trusted only for a request no proxy forwarded: a reverse proxy on
    the same host would otherwise make every caller look local.
    """
    token = current_app.config["METRICS_TOKEN"]
    if token:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), str(token).encode()
        ):
            return None
        return Response(
            "Send the metrics token: Authorization: Bearer <IDP_METRICS_TOKEN>.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="idp-metrics"'},
            mimetype="text/plain",
        )
    forwarded = "Forwarded" in request.headers or "X-Forwarded-For" in request.headers
    if not forwarded and _is_loopback(request.remote_addr):
        return None
    return Response(
        "Metrics are served to loopback only; set IDP_METRICS_TOKEN to scrape "
        "from elsewhere.\n",
        403,
        mimetype="text/plain",
    )


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
