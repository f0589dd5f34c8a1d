"""Concurrent refreshes of one token, over real parallel HTTP requests."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import insert
from sqlalchemy import update
from werkzeug.serving import make_server

from idp.credentials.models import OAuthToken
from idp.extensions import db
from idp.oauth import tokens as oauth_tokens
from idp.timeutil import utcnow

PARALLEL = 8


@pytest.fixture
def live_url(app) -> Iterator[str]:
    """The app served by a threaded HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.config(REFRESH_GRACE_SECONDS=30)
def test_concurrent_refreshes_exactly_one_wins(oauth_actions, live_url):
    """RFC 9700 §4.14.2: one rotation per refresh token, and the winner stays valid."""
    resource_server = oauth_actions.resource_server()
    login = oauth_actions.login()
    barrier = threading.Barrier(PARALLEL)
    responses: list[requests.Response] = []
    lock = threading.Lock()

    def refresh() -> None:
        with requests.Session() as session:
            barrier.wait(timeout=10)
            response = session.post(
                f"{live_url}/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": login["refresh_token"],
                },
                auth=("script", login["secret"]),
                timeout=20,
            )
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=refresh) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [400] * (PARALLEL - 1)
    assert all(
        response.json()["error"] == "invalid_grant"
        for response in responses
        if response.status_code == 400
    )
    winner = next(r.json() for r in responses if r.status_code == 200)
    body = oauth_actions.introspect(resource_server, winner["access_token"]).json
    assert body["active"] is True
    follow_up = oauth_actions.refresh(
        "script", login["secret"], winner["refresh_token"]
    )
    assert follow_up.status_code == 200


def test_rotation_claimed_from_a_stale_read_loses(app, oauth_actions):
    """The conditional UPDATE decides, even when both requests read the token first."""
    login = oauth_actions.login()
    with app.app_context():
        mine = oauth_tokens.verify_refresh_token(login["refresh_token"])
        with app.app_context():  # a second request, with its own session
            theirs = oauth_tokens.verify_refresh_token(login["refresh_token"])
            oauth_tokens.claim_rotation(theirs)
        with pytest.raises(oauth_tokens.RotationLost):
            oauth_tokens.claim_rotation(mine)


def test_reuse_revokes_a_refresh_committed_while_it_waits(
    app, oauth_actions, database_url
):
    """RFC 9700 §4.14.2: the whole family, even the pair a racing refresh adds.

    A refresh of the family holds its row lock, and commits a new pair only
    after the revocation has started; the revocation must not miss that pair.
    """
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no such interleaving")
    login = oauth_actions.login()
    first = login["refresh_token"]
    second = oauth_actions.refresh("script", login["secret"], first).json
    with app.app_context():
        current = oauth_tokens.verify_refresh_token(second["refresh_token"])
        family, current_id = current.family_id, current.id
        # The first token was rotated long ago: presenting it is a reuse.
        db.session.execute(
            update(OAuthToken)
            .where(OAuthToken.family_id == family, OAuthToken.id != current_id)
            .values(refresh_rotated_at=utcnow() - dt.timedelta(minutes=1))
        )
        db.session.commit()
        racing = db.engine.connect()
        transaction = racing.begin()
        # The racing refresh: claims the current token, adds the next pair.
        racing.execute(
            update(OAuthToken)
            .where(OAuthToken.id == current_id)
            .values(refresh_rotated_at=utcnow())
        )
        now = utcnow()
        new_id = racing.execute(
            insert(OAuthToken)
            .values(
                client_id=current.client_id,
                operator_id=current.operator_id,
                family_id=family,
                access_token_digest="a" * 64,
                refresh_token_digest="r" * 64,
                scope="public-api",
                issued_at=now,
                access_expires_at=now + dt.timedelta(hours=1),
                refresh_expires_at=now + dt.timedelta(days=1),
            )
            .returning(OAuthToken.id)
        ).scalar_one()
    reuse: list = []
    thread = threading.Thread(
        target=lambda: reuse.append(
            oauth_actions.refresh("script", login["secret"], first)
        )
    )
    thread.start()
    time.sleep(0.5)  # the revocation is now waiting on the racing row lock
    transaction.commit()
    racing.close()
    thread.join(timeout=10)

    assert reuse[0].status_code == 400
    assert reuse[0].json["error"] == "invalid_grant"
    with app.app_context():
        added = db.session.get(OAuthToken, new_id)
        assert added.access_revoked_at is not None
        assert added.refresh_revoked_at is not None
