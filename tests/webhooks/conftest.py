"""Fixtures for webhooks: the admin fixtures, loopback allowed as a receiver."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from sqlalchemy import text

from idp.extensions import db
from tests.admin.conftest import AdminActions  # noqa: F401
from tests.admin.conftest import admin_actions  # noqa: F401
from tests.admin.conftest import owner  # noqa: F401

RECEIVER = "http://127.0.0.1:9/hooks"


@pytest.fixture(autouse=True)
def _loopback_receivers(request):
    """Tests send to loopback only, so allow it unless a test says otherwise."""
    marker = request.node.get_closest_marker("config")
    if marker is None or "WEBHOOK_ALLOWED_NETWORKS" not in marker.kwargs:
        request.node.add_marker(
            pytest.mark.config(
                WEBHOOK_ALLOWED_NETWORKS=["127.0.0.1/32"],
                **(marker.kwargs if marker else {}),
            ),
            append=False,
        )


def raw_rows(app) -> str:
    """Every row of every table, as text: what someone reading the database sees."""
    with app.app_context():
        dump = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(text(f"SELECT * FROM {table.name}")):
                dump.append(repr(tuple(row)))
        return "\n".join(dump)


def events(app, event_type: str | None = None) -> list[tuple[str, dict]]:
    """(type, data) of every event in the outbox, oldest first."""
    from sqlalchemy import select

    from idp.events.models import WebhookEvent

    with app.app_context():
        query = select(WebhookEvent).order_by(WebhookEvent.created_at)
        if event_type:
            query = query.filter_by(type=event_type)
        return [(e.type, e.data) for e in db.session.scalars(query)]


@pytest.fixture
def dns(monkeypatch):
    """Answers for chosen host names, so that no test asks a real resolver.

    Other names (Redis's, PostgreSQL's) go to the real resolver; literal
    addresses resolve to themselves.
    """
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                if host.endswith((".example.com", ".invalid")):
                    raise socket.gaierror("unknown host") from None
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, 1, 6, "", (a, port))
            for a in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
